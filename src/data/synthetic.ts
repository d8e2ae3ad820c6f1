import type { Dataset, DatasetSplit } from './dataset';
import { SeededRandom } from './random';

/**
 * "100 classes in 20 superclasses of 5": the shape of CIFAR-100's label hierarchy, made
 * in code from a seed so that classes of one superclass are genuinely confusable.
 *
 * Each superclass has a centre in a 32-dimensional space; each of its five classes is a
 * mixture of four Gaussian modes scattered around that centre, so siblings overlap and
 * a class is not one blob a linear model can cut out. A teacher with capacity learns the
 * modes and puts its remaining probability on the siblings: its low-probability classes
 * say which superclass a sample belongs to, which is what distillation can pass on.
 * Plain JavaScript with a seeded generator: the same seed gives the same bytes in Node
 * and in every browser, on every backend.
 */
export const SYNTHETIC_SHAPE = {
  features: 32,
  superclasses: 20,
  classesPerSuperclass: 5,
  modesPerClass: 4,
  /** Spread of superclass centres, of class modes around them, and of samples around a mode. */
  superclassSpread: 1.5,
  modeSpread: 1.0,
  sampleSpread: 1.1,
} as const;

export interface SyntheticOptions {
  seed: number;
  trainCount: number;
  testCount: number;
}

export const SYNTHETIC_DEFAULTS: SyntheticOptions = { seed: 2025, trainCount: 16_000, testCount: 4_000 };

export function generateSynthetic100(options: Partial<SyntheticOptions> = {}): Dataset {
  const { seed, trainCount, testCount } = { ...SYNTHETIC_DEFAULTS, ...options };
  for (const [name, value] of Object.entries({ trainCount, testCount })) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} = ${value} is invalid: expected an integer ≥ 1`);
  }
  const shape = SYNTHETIC_SHAPE;
  const classes = shape.superclasses * shape.classesPerSuperclass;
  const d = shape.features;
  const random = new SeededRandom(seed);

  const modes = new Float32Array(classes * shape.modesPerClass * d);
  for (let s = 0; s < shape.superclasses; s++) {
    const centre = Array.from({ length: d }, () => random.normal() * shape.superclassSpread);
    for (let c = 0; c < shape.classesPerSuperclass; c++) {
      const cls = s * shape.classesPerSuperclass + c;
      for (let m = 0; m < shape.modesPerClass; m++) {
        const base = (cls * shape.modesPerClass + m) * d;
        for (let j = 0; j < d; j++) modes[base + j] = centre[j] + random.normal() * shape.modeSpread;
      }
    }
  }

  const makeSplit = (count: number): DatasetSplit => {
    const features = new Float32Array(count * d);
    const labels = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const cls = i % classes; // balanced: every class the same count (±1)
      const mode = random.int(shape.modesPerClass);
      const base = (cls * shape.modesPerClass + mode) * d;
      for (let j = 0; j < d; j++) features[i * d + j] = modes[base + j] + random.normal() * shape.sampleSpread;
      labels[i] = cls;
    }
    // Shuffle rows so that batches mix classes.
    const order = random.shuffle(Array.from({ length: count }, (_, i) => i));
    const shuffledFeatures = new Float32Array(count * d);
    const shuffledLabels = new Int32Array(count);
    order.forEach((from, to) => {
      shuffledFeatures.set(features.subarray(from * d, (from + 1) * d), to * d);
      shuffledLabels[to] = labels[from];
    });
    return { features: shuffledFeatures, labels: shuffledLabels, count };
  };

  const train = makeSplit(trainCount);
  const test = makeSplit(testCount);
  return {
    id: 'synthetic100',
    featureShape: [d],
    classNames: Array.from({ length: classes }, (_, c) => {
      const s = Math.floor(c / shape.classesPerSuperclass);
      return `s${String(s).padStart(2, '0')}.c${c % shape.classesPerSuperclass}`;
    }),
    superclassOf: Array.from({ length: classes }, (_, c) => Math.floor(c / shape.classesPerSuperclass)),
    superclassNames: Array.from({ length: shape.superclasses }, (_, s) => `superclass ${String(s).padStart(2, '0')}`),
    train,
    test,
  };
}
