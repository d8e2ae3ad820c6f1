import * as tf from '@tensorflow/tfjs';
import type { AnyDatasetId, Dataset, DatasetId } from '../data/dataset';
import { DEFAULT_STUDENT, LOCAL_MLP_WIDTHS, localStudents } from './catalog';

export { DEFAULT_STUDENT };

/**
 * The model zoo: for each dataset one teacher and several students, each a name, a
 * builder and (from the builder) a parameter count the UI shows. Builders take a seed so
 * a student's initial weights are reproducible; every model outputs logits (no softmax),
 * which is what the losses take.
 */
export interface ModelSpec {
  id: string;
  dataset: AnyDatasetId;
  role: 'teacher' | 'student';
  name: string;
  description: string;
  build: (seed: number) => tf.LayersModel;
}

const MNIST_INPUT = [28, 28, 1];
const SYNTHETIC_INPUT = [32];

function init(seed: number, layer: number) {
  return tf.initializers.glorotUniform({ seed: seed * 101 + layer });
}

function conv(filters: number, kernelSize: number, seed: number, layer: number, inputShape?: number[]) {
  return tf.layers.conv2d({
    filters,
    kernelSize,
    padding: 'same',
    activation: 'relu',
    kernelInitializer: init(seed, layer),
    ...(inputShape ? { inputShape } : {}),
  });
}

function dense(units: number, seed: number, layer: number, activation: 'relu' | 'linear', inputShape?: number[]) {
  return tf.layers.dense({ units, activation, kernelInitializer: init(seed, layer), ...(inputShape ? { inputShape } : {}) });
}

function sequential(name: string, layers: tf.layers.Layer[]): tf.LayersModel {
  return tf.sequential({ name, layers });
}

/** The small CNN student: conv 3×3×4 → pool → conv 3×3×8 → pool → one logit per class. */
function smallCnn(name: string, input: number[], classes: number, seed: number): tf.LayersModel {
  return sequential(name, [
    conv(4, 3, seed, 1, input),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    conv(8, 3, seed, 2),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.flatten(),
    dense(classes, seed, 3, 'linear'),
  ]);
}

/** A one-hidden-layer MLP student on flattened MNIST digits. */
function mnistMlp(id: string, name: string, hidden: number): ModelSpec {
  return {
    id,
    dataset: 'mnist',
    role: 'student',
    name,
    description: `784 → ${hidden} → 10`,
    build: (seed) =>
      sequential(id.replace(/-/g, '_'), [
        tf.layers.flatten({ inputShape: MNIST_INPUT }),
        dense(hidden, seed, 1, 'relu'),
        dense(10, seed, 2, 'linear'),
      ]),
  };
}

export const MODEL_ZOO: readonly ModelSpec[] = [
  {
    id: 'mnist-cnn-teacher',
    dataset: 'mnist',
    role: 'teacher',
    name: 'CNN teacher',
    description: 'conv 3×3×16 → pool → conv 3×3×32 → pool → dense 128 (dropout 0.3) → 10',
    build: (seed) =>
      sequential('mnist_cnn_teacher', [
        conv(16, 3, seed, 1, MNIST_INPUT),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        conv(32, 3, seed, 2),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        dense(128, seed, 3, 'relu'),
        tf.layers.dropout({ rate: 0.3, seed: seed + 7 }),
        dense(10, seed, 4, 'linear'),
      ]),
  },
  {
    id: 'mnist-cnn-small',
    dataset: 'mnist',
    role: 'student',
    name: 'small CNN',
    description: 'conv 3×3×4 → pool → conv 3×3×8 → pool → 10',
    build: (seed) => smallCnn('mnist_cnn_small', MNIST_INPUT, 10, seed),
  },
  mnistMlp('mnist-mlp', 'MLP', 16),
  // Wide enough to take what the teacher knows from a few hundred digits; the 16-unit MLP
  // is not (docs/results.md, budget study).
  mnistMlp('mnist-mlp-wide', 'wide MLP', 64),
  {
    id: 'mnist-linear',
    dataset: 'mnist',
    role: 'student',
    name: 'linear (softmax regression)',
    description: '784 → 10',
    build: (seed) => sequential('mnist_linear', [tf.layers.flatten({ inputShape: MNIST_INPUT }), dense(10, seed, 1, 'linear')]),
  },
  {
    id: 'synthetic-mlp-teacher',
    dataset: 'synthetic100',
    role: 'teacher',
    name: 'MLP teacher',
    description: '32 → 256 → 256 → 100',
    build: (seed) =>
      sequential('synthetic_mlp_teacher', [dense(256, seed, 1, 'relu', SYNTHETIC_INPUT), dense(256, seed, 2, 'relu'), dense(100, seed, 3, 'linear')]),
  },
  {
    id: 'synthetic-mlp-small',
    dataset: 'synthetic100',
    role: 'student',
    name: 'small MLP',
    description: '32 → 24 → 100',
    build: (seed) => sequential('synthetic_mlp_small', [dense(24, seed, 1, 'relu', SYNTHETIC_INPUT), dense(100, seed, 2, 'linear')]),
  },
  {
    id: 'synthetic-mlp-tiny',
    dataset: 'synthetic100',
    role: 'student',
    name: 'tiny MLP',
    description: '32 → 12 → 100',
    build: (seed) => sequential('synthetic_mlp_tiny', [dense(12, seed, 1, 'relu', SYNTHETIC_INPUT), dense(100, seed, 2, 'linear')]),
  },
  {
    id: 'synthetic-mlp-medium',
    dataset: 'synthetic100',
    role: 'student',
    name: 'medium MLP',
    description: '32 → 48 → 100',
    build: (seed) => sequential('synthetic_mlp_medium', [dense(48, seed, 1, 'relu', SYNTHETIC_INPUT), dense(100, seed, 2, 'linear')]),
  },
];

/**
 * The zoo's students sized to a local dataset (see catalog.ts's `localStudents`): its input
 * shape in, its classes out, the same layers as the built-in students.
 */
export function localStudentSpecs(dataset: Pick<Dataset, 'featureShape' | 'classNames'>): ModelSpec[] {
  const input = dataset.featureShape;
  const classes = dataset.classNames.length;
  // Fresh layers for every model built (a layer object belongs to one model).
  const flat = () => (input.length > 1 ? [tf.layers.flatten({ inputShape: input })] : []);
  const first = (units: number, seed: number, activation: 'relu' | 'linear') =>
    input.length > 1 ? dense(units, seed, 1, activation) : dense(units, seed, 1, activation, input);
  const builders: Record<string, (seed: number) => tf.LayersModel> = {
    'local-linear': (seed) => sequential('local_linear', [...flat(), first(classes, seed, 'linear')]),
    ...Object.fromEntries(
      Object.entries(LOCAL_MLP_WIDTHS).map(([id, hidden]) => [
        id,
        (seed: number) => sequential(id.replace(/-/g, '_'), [...flat(), first(hidden, seed, 'relu'), dense(classes, seed, 2, 'linear')]),
      ]),
    ),
    'local-cnn-small': (seed) => smallCnn('local_cnn_small', input, classes, seed),
  };
  return localStudents(dataset).map((entry) => ({ ...entry, role: 'student', build: builders[entry.id] }));
}

/** A model of the zoo; a local student (`local-…`) is sized to `dataset`, which it needs. */
export function modelSpec(id: string, dataset?: Pick<Dataset, 'featureShape' | 'classNames'>): ModelSpec {
  if (id.startsWith('local-')) {
    const local = dataset ? localStudentSpecs(dataset).find((m) => m.id === id) : undefined;
    if (!local)
      throw new Error(
        `model = "${id}" is invalid: ${
          dataset
            ? `expected one of ${localStudentSpecs(dataset)
                .map((m) => m.id)
                .join(', ')}`
            : 'a local student needs its dataset'
        }`,
      );
    return local;
  }
  const spec = MODEL_ZOO.find((m) => m.id === id);
  if (!spec) throw new Error(`model = "${id}" is invalid: expected one of ${MODEL_ZOO.map((m) => m.id).join(', ')}`);
  return spec;
}

export function teacherSpec(dataset: DatasetId): ModelSpec {
  return MODEL_ZOO.find((m) => m.dataset === dataset && m.role === 'teacher')!;
}

/** Parameter count of a model, building it once (and disposing it). */
export function parameterCount(spec: ModelSpec): number {
  const model = spec.build(0);
  try {
    return model.countParams();
  } finally {
    model.dispose();
  }
}
