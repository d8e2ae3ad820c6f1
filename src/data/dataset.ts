/** One split of a dataset, as flat typed arrays ready to become tensors. */
export interface DatasetSplit {
  /** `count × featureSize` features, row-major, float32 in the units the models expect. */
  features: Float32Array;
  /** `count` integer class labels. */
  labels: Int32Array;
  count: number;
  /**
   * A teacher given as logits (a local dataset's logits file): `count × classes`, row-major,
   * row i the teacher's logits for sample i. The trainer then needs no teacher model.
   */
  teacherLogits?: Float32Array;
  /** A local dataset's samples: the row (0-based, in the order read) of each sample in the person's file or folder. */
  rows?: Int32Array;
}

/** A dataset as the models, the trainer and the charts see it. */
export interface Dataset {
  id: AnyDatasetId;
  /** A local dataset's name (its file or folder), for the page. */
  name?: string;
  /** Shape of one sample, e.g. `[28, 28, 1]` for an image or `[32]` for a feature vector. */
  featureShape: number[];
  classNames: string[];
  /** For class-hierarchy datasets: the superclass index of every class. */
  superclassOf?: number[];
  superclassNames?: string[];
  /** A local dataset's split (src/import/local-dataset.ts): each class's test share and the seed of its shuffles. */
  split?: { testShare: number; seed: number };
  train: DatasetSplit;
  test: DatasetSplit;
}

/** The built-in datasets (files on the site or generated from a seed). */
export type DatasetId = 'mnist' | 'synthetic100';
/**
 * A built-in dataset, the one loaded from the person's own files (`src/import/`), or the
 * digit scenes of the detection task (`src/detect/`: boxes, not one class per sample).
 */
export type AnyDatasetId = DatasetId | 'local' | 'scenes';

export function featureSize(dataset: Pick<Dataset, 'featureShape'>): number {
  return dataset.featureShape.reduce((a, b) => a * b, 1);
}

/** The first `count` samples of a split (views, no copy): a probe batch, a bounded evaluation. */
export function firstSamples(split: DatasetSplit, count: number, rowSize: number): DatasetSplit {
  const n = Math.min(count, split.count);
  if (n === split.count) return split;
  const classes = split.teacherLogits ? split.teacherLogits.length / split.count : 0;
  return {
    ...split,
    count: n,
    features: split.features.subarray(0, n * rowSize),
    labels: split.labels.subarray(0, n),
    ...(split.teacherLogits ? { teacherLogits: split.teacherLogits.subarray(0, n * classes) } : {}),
  };
}

/** Copies rows `indices` of a split into one batch (with the teacher's logits, when the split has them). */
export function gatherRows(
  split: DatasetSplit,
  indices: ArrayLike<number>,
  rowSize: number,
): { features: Float32Array; labels: Int32Array; teacherLogits?: Float32Array } {
  const features = new Float32Array(indices.length * rowSize);
  const labels = new Int32Array(indices.length);
  const classes = split.teacherLogits ? split.teacherLogits.length / split.count : 0;
  const teacherLogits = split.teacherLogits ? new Float32Array(indices.length * classes) : undefined;
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i];
    features.set(split.features.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
    labels[i] = split.labels[row];
    teacherLogits?.set(split.teacherLogits!.subarray(row * classes, (row + 1) * classes), i * classes);
  }
  return teacherLogits ? { features, labels, teacherLogits } : { features, labels };
}

/** A seeded random subset of `count` samples of `split` (the split itself when it has no more). */
export function randomSubset(split: DatasetSplit, count: number, random: { shuffle<T>(items: T[]): T[] }, rowSize: number): DatasetSplit {
  if (count >= split.count) return split;
  const picked = random.shuffle(Array.from({ length: split.count }, (_, i) => i)).slice(0, count);
  return { ...gatherRows(split, picked, rowSize), count };
}
