// What crosses the workers' boundaries in an import of one's own dataset: the page's request
// (File objects), the import worker's read (plain data) and its buffers, transferred (not
// copied) to the training worker. No parser here, so the page imports it without them.
import type { Dataset } from '../data/dataset';
import type { ImageOptions } from './local-images';
import type { SplitOptions } from './local-dataset';
import type { ModelArtifacts } from './local-model-files';

/** What a cancelled import says (the page's Cancel, in either worker). */
export const IMPORT_CANCELLED = 'cancelled: nothing was loaded, the dataset kept before (if any) is still there';

export interface LocalImportRequest {
  dataset:
    | { kind: 'csv'; file: File; labelColumn?: string; superclassColumn?: string }
    | ({ kind: 'images'; files: File[]; paths: string[] } & ImageOptions);
  split: SplitOptions;
  teacher: { kind: 'model'; files: File[] } | { kind: 'logits'; file: File };
}

/** What a read gives: the split dataset (with a logits teacher's logits) and a teacher model's files. */
export interface LocalRead {
  dataset: Dataset;
  teacher: { kind: 'model'; artifacts: ModelArtifacts } | { kind: 'logits'; file: string };
  /** "12 hidden or system files skipped (…)", for the page. */
  skipped?: string;
  /** "images resized to 28 × 28 from 8 × 8", for the page. */
  resized?: string;
}

export type ImportProgress = { what: string; done: number; total: number };

/** The buffers of a read, to transfer (not copy) between threads. */
export function transferables(read: LocalRead): ArrayBuffer[] {
  const { train, test } = read.dataset;
  const buffers = [train.features, train.labels, test.features, test.labels, train.teacherLogits, test.teacherLogits, train.rows, test.rows]
    .filter((a) => a !== undefined)
    .map((a) => a.buffer as ArrayBuffer);
  if (read.teacher.kind === 'model') buffers.push(read.teacher.artifacts.weightData);
  return [...new Set(buffers)];
}
