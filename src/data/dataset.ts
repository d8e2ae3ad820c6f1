/** One split of a dataset, as flat typed arrays ready to become tensors. */
export interface DatasetSplit {
  /** `count × featureSize` features, row-major, float32 in the units the models expect. */
  features: Float32Array;
  /** `count` integer class labels. */
  labels: Int32Array;
  count: number;
}

/** A dataset as the models, the trainer and the charts see it. */
export interface Dataset {
  id: DatasetId;
  /** Shape of one sample, e.g. `[28, 28, 1]` for an image or `[32]` for a feature vector. */
  featureShape: number[];
  classNames: string[];
  /** For class-hierarchy datasets: the superclass index of every class. */
  superclassOf?: number[];
  superclassNames?: string[];
  train: DatasetSplit;
  test: DatasetSplit;
}

export type DatasetId = 'mnist' | 'synthetic100';

export function featureSize(dataset: Pick<Dataset, 'featureShape'>): number {
  return dataset.featureShape.reduce((a, b) => a * b, 1);
}

/** The first `count` samples of a split (views, no copy): a probe batch, a bounded evaluation. */
export function firstSamples(split: DatasetSplit, count: number, rowSize: number): DatasetSplit {
  const n = Math.min(count, split.count);
  if (n === split.count) return split;
  return { ...split, count: n, features: split.features.subarray(0, n * rowSize), labels: split.labels.subarray(0, n) };
}
