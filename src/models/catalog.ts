import type { AnyDatasetId, DatasetId } from '../data/dataset';

/**
 * What the page knows of the model zoo without TF.js: names, descriptions and parameter
 * counts (checked against the built models by zoo.test.ts). src/models/zoo.ts adds the
 * builders.
 */
export interface ModelEntry {
  id: string;
  dataset: AnyDatasetId;
  role: 'teacher' | 'student';
  name: string;
  description: string;
  parameters: number;
}

export const MODEL_CATALOG: readonly ModelEntry[] = [
  {
    id: 'mnist-cnn-teacher',
    dataset: 'mnist',
    role: 'teacher',
    name: 'CNN teacher',
    description: 'conv 3×3×16 → pool → conv 3×3×32 → pool → dense 128 (dropout 0.3) → 10',
    parameters: 206922,
  },
  {
    id: 'mnist-cnn-small',
    dataset: 'mnist',
    role: 'student',
    name: 'small CNN',
    description: 'conv 3×3×4 → pool → conv 3×3×8 → pool → 10',
    parameters: 4266,
  },
  { id: 'mnist-mlp', dataset: 'mnist', role: 'student', name: 'MLP', description: '784 → 16 → 10', parameters: 12730 },
  { id: 'mnist-mlp-wide', dataset: 'mnist', role: 'student', name: 'wide MLP', description: '784 → 64 → 10', parameters: 50890 },
  { id: 'mnist-linear', dataset: 'mnist', role: 'student', name: 'linear (softmax regression)', description: '784 → 10', parameters: 7850 },
  {
    id: 'synthetic-mlp-teacher',
    dataset: 'synthetic100',
    role: 'teacher',
    name: 'MLP teacher',
    description: '32 → 256 → 256 → 100',
    parameters: 99940,
  },
  { id: 'synthetic-mlp-small', dataset: 'synthetic100', role: 'student', name: 'small MLP', description: '32 → 24 → 100', parameters: 3292 },
  { id: 'synthetic-mlp-tiny', dataset: 'synthetic100', role: 'student', name: 'tiny MLP', description: '32 → 12 → 100', parameters: 1696 },
  { id: 'synthetic-mlp-medium', dataset: 'synthetic100', role: 'student', name: 'medium MLP', description: '32 → 48 → 100', parameters: 6484 },
  {
    id: 'scenes-grid-teacher',
    dataset: 'scenes',
    role: 'teacher',
    name: 'grid detector teacher',
    description: 'conv 3×3×16 → pool → conv 3×3×32 → pool → conv 3×3×64 → pool → conv 3×3×64 → 1×1 × 15 per cell',
    parameters: 61199,
  },
  {
    id: 'scenes-grid-student',
    dataset: 'scenes',
    role: 'student',
    name: 'small grid detector',
    description: 'conv 3×3×4 → pool → conv 3×3×8 → pool → conv 3×3×16 → pool → conv 3×3×16 → 1×1 × 15 per cell',
    parameters: 4079,
  },
];

/** The default student of each dataset (the one the presets start from). */
export const DEFAULT_STUDENT: Record<DatasetId, string> = {
  mnist: 'mnist-cnn-small',
  synthetic100: 'synthetic-mlp-small',
};

/**
 * What the page and the worker know of the local dataset (the person's own files, loaded
 * by src/import/): its shape, classes and split sizes, and how its teacher is given. Whoever
 * validates or describes a configuration on the local dataset is given these facts (the page
 * keeps them in its store, the worker with the dataset it loaded): no module holds them.
 */
export interface LocalFacts {
  name: string;
  featureShape: number[];
  classNames: string[];
  trainCount: number;
  testCount: number;
  teacher: { kind: 'model'; description: string; parameters: number } | { kind: 'logits'; file: string };
  teacherTestAccuracy: number;
  superclassNames?: string[];
}

/** Hidden widths of the local dataset's MLP students. */
export const LOCAL_MLP_WIDTHS = { 'local-mlp': 32, 'local-mlp-wide': 128 } as const;

/**
 * The zoo's students sized to a local dataset: a linear model, two MLPs and, for images
 * (`[height, width, channels]` of at least 4 × 4), the small CNN. Parameter counts by formula
 * (src/import/local.test.ts checks them against the built models).
 */
export function localStudents(facts: Pick<LocalFacts, 'featureShape' | 'classNames'>): ModelEntry[] {
  const inputs = facts.featureShape.reduce((a, b) => a * b, 1);
  const classes = facts.classNames.length;
  const entries: ModelEntry[] = [
    {
      id: 'local-linear',
      dataset: 'local',
      role: 'student',
      name: 'linear (softmax regression)',
      description: `${inputs} → ${classes}`,
      parameters: (inputs + 1) * classes,
    },
    ...Object.entries(LOCAL_MLP_WIDTHS).map(([id, hidden]) => ({
      id,
      dataset: 'local' as const,
      role: 'student' as const,
      name: hidden > 32 ? 'wide MLP' : 'MLP',
      description: `${inputs} → ${hidden} → ${classes}`,
      parameters: (inputs + 1) * hidden + (hidden + 1) * classes,
    })),
  ];
  const [height, width, channels] = facts.featureShape;
  if (facts.featureShape.length === 3 && height >= 4 && width >= 4) {
    const pooled = Math.floor(Math.floor(height / 2) / 2) * Math.floor(Math.floor(width / 2) / 2) * 8;
    entries.push({
      id: 'local-cnn-small',
      dataset: 'local',
      role: 'student',
      name: 'small CNN',
      description: `conv 3×3×4 → pool → conv 3×3×8 → pool → ${classes}`,
      parameters: (9 * channels + 1) * 4 + (9 * 4 + 1) * 8 + (pooled + 1) * classes,
    });
  }
  return entries;
}

/** The students of a dataset (for the local one, those sized to `local`; none without it). */
export function studentsOf(dataset: AnyDatasetId, local: LocalFacts | null): ModelEntry[] {
  if (dataset === 'local') return local ? localStudents(local) : [];
  return MODEL_CATALOG.filter((m) => m.role === 'student' && m.dataset === dataset);
}

/** The student a dataset starts with. */
export function defaultStudentOf(dataset: AnyDatasetId): string {
  return dataset === 'local' ? 'local-mlp' : dataset === 'scenes' ? 'scenes-grid-student' : DEFAULT_STUDENT[dataset];
}

/** A convolutional model (trained on WebGL, not the CPU backend, where a conv batch takes tens of seconds). */
export function isConvolutional(id: string, local: LocalFacts | null): boolean {
  return catalogEntry(id, local)?.description.startsWith('conv') ?? false;
}

/** A model of the zoo by id (a local student's, sized to `local`). */
export function catalogEntry(id: string, local: LocalFacts | null): ModelEntry | undefined {
  if (id.startsWith('local-')) return studentsOf('local', local).find((m) => m.id === id);
  return MODEL_CATALOG.find((m) => m.id === id);
}
