// The runner on one's own data: a CSV of features and the teacher's logits, read, checked and
// split by the same code as the page's "Your data" (src/import/), so the same files and split
// settings give the page's training and test samples, in the page's order.
import type { Dataset } from '../../src/data/dataset';
import { accuracyOf } from '../../src/import/local-teacher';
import { logitsOrderCaution } from '../../src/import/column-order';
import { parseFeatureCsv } from '../../src/import/local-csv';
import { localFacts, parseTeacherLogits, splitSamples } from '../../src/import/local-dataset';
import type { LocalFacts } from '../../src/models/catalog';

export interface LocalExperimentData {
  dataset: Dataset;
  facts: LocalFacts;
  /** What the page would caution about the teacher's logits (columns out of order), or null. */
  caution: string | null;
}

export interface LocalFiles {
  data: string;
  teacherLogits: string;
  labelColumn?: string;
  superclassColumn?: string;
  /** The page's defaults: 0.2 and 1. */
  testShare: number;
  splitSeed: number;
}

/**
 * The dataset and its facts from the files, as the page's "Your data" makes them from a CSV
 * and a logits file. `readBytes` reads a file (injected for the tests); a folder (image
 * files) is refused: the page decodes and resizes images with the browser, which Node cannot
 * do the same way.
 */
export function readLocalExperiment(
  files: LocalFiles,
  readBytes: (path: string) => Uint8Array,
  isFolder: (path: string) => boolean,
): LocalExperimentData {
  if (isFolder(files.data))
    throw new Error(
      `--data "${files.data}" is a folder: the runner reads a CSV of features; image folders are decoded and resized by the browser (load them with "Your data" in the page)`,
    );
  const name = files.data.replace(/^.*\//, '');
  const samples = parseFeatureCsv(name, readBytes(files.data), { labelColumn: files.labelColumn, superclassColumn: files.superclassColumn });
  const logitsName = files.teacherLogits.replace(/^.*\//, '');
  const logits = parseTeacherLogits(logitsName, readBytes(files.teacherLogits), samples.count, samples.classNames.length);
  const dataset = splitSamples(samples, { testShare: files.testShare, seed: files.splitSeed }, logits);
  const facts = localFacts(
    dataset,
    { kind: 'logits', file: logitsName.slice(0, 80) },
    accuracyOf(dataset.test.teacherLogits!, dataset.test.labels, dataset.classNames.length),
  );
  return { dataset, facts, caution: logitsOrderCaution(dataset) };
}
