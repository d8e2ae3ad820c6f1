import type { DatasetId } from '../data/dataset';

/**
 * What the page knows of the model zoo without TF.js: names, descriptions and parameter
 * counts (checked against the built models by zoo.test.ts). src/models/zoo.ts adds the
 * builders.
 */
export interface ModelEntry {
  id: string;
  dataset: DatasetId;
  role: 'teacher' | 'student';
  name: string;
  description: string;
  parameters: number;
}

export const MODEL_CATALOG: readonly ModelEntry[] = [
  { id: 'mnist-cnn-teacher', dataset: 'mnist', role: 'teacher', name: 'CNN teacher', description: 'conv 3×3×16 → pool → conv 3×3×32 → pool → dense 128 (dropout 0.3) → 10', parameters: 206922 },
  { id: 'mnist-cnn-small', dataset: 'mnist', role: 'student', name: 'small CNN', description: 'conv 3×3×4 → pool → conv 3×3×8 → pool → 10', parameters: 4266 },
  { id: 'mnist-mlp', dataset: 'mnist', role: 'student', name: 'MLP', description: '784 → 16 → 10', parameters: 12730 },
  { id: 'mnist-mlp-wide', dataset: 'mnist', role: 'student', name: 'wide MLP', description: '784 → 64 → 10', parameters: 50890 },
  { id: 'mnist-linear', dataset: 'mnist', role: 'student', name: 'linear (softmax regression)', description: '784 → 10', parameters: 7850 },
  { id: 'synthetic-mlp-teacher', dataset: 'synthetic100', role: 'teacher', name: 'MLP teacher', description: '32 → 256 → 256 → 100', parameters: 99940 },
  { id: 'synthetic-mlp-small', dataset: 'synthetic100', role: 'student', name: 'small MLP', description: '32 → 24 → 100', parameters: 3292 },
  { id: 'synthetic-mlp-tiny', dataset: 'synthetic100', role: 'student', name: 'tiny MLP', description: '32 → 12 → 100', parameters: 1696 },
  { id: 'synthetic-mlp-medium', dataset: 'synthetic100', role: 'student', name: 'medium MLP', description: '32 → 48 → 100', parameters: 6484 },
];

/** The default student of each dataset (the one the presets start from). */
export const DEFAULT_STUDENT: Record<DatasetId, string> = {
  mnist: 'mnist-cnn-small',
  synthetic100: 'synthetic-mlp-small',
};

/** A convolutional model (trained on WebGL, not the CPU backend, where a conv batch takes tens of seconds). */
export function isConvolutional(id: string): boolean {
  return catalogEntry(id)?.description.startsWith('conv') ?? false;
}

export function catalogEntry(id: string): ModelEntry | undefined {
  return MODEL_CATALOG.find((m) => m.id === id);
}
