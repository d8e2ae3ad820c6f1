// The first half of "Your data": the person's files read, parsed, checked and split, with no
// TF.js (the import worker runs it, src/import/import.worker.ts, so a long parse never
// stalls training; Node tests run it with a stand-in image decoder). What it returns is
// plain data, handed to the training worker, which checks a teacher model and keeps it all
// (src/import/local-import.ts).
import { LOCAL_LIMITS } from './local-limits';
import { parseFeatureCsv } from './local-csv';
import { parseTeacherLogits, splitSamples } from './local-dataset';
import { readImageFolder, skippedNote, type DecodedImage, type ImageOptions } from './local-images';
import { type LocalSamples } from './local-samples';
import { modelArtifacts } from './local-model-files';
import type { ImportProgress, LocalImportRequest, LocalRead } from './local-transfer';
import { LogitsFileError } from './logits-file';
import { megabytes } from '../data/text';

export type { ImportProgress, LocalImportRequest, LocalRead } from './local-transfer';

const bytesOf = async (file: File) => new Uint8Array(await file.arrayBuffer());

/**
 * Reads the request's files: sizes first (from the File objects, before a byte is read), then
 * the dataset, the teacher's logits or model files, and the split. Any fault throws an error
 * naming the file and where; nothing is kept.
 */
export async function readLocalFiles(
  request: LocalImportRequest,
  decode: (file: Blob, options: ImageOptions) => Promise<DecodedImage>,
  onProgress?: (progress: ImportProgress) => void,
): Promise<LocalRead> {
  const tooBig = (file: File, limit: number) => {
    if (file.size > limit) throw new LogitsFileError(file.name, null, `${megabytes(file.size)}: at most ${megabytes(limit)}`);
  };
  if (request.dataset.kind === 'csv') tooBig(request.dataset.file, LOCAL_LIMITS.csvBytes);
  if (request.teacher.kind === 'logits') tooBig(request.teacher.file, LOCAL_LIMITS.csvBytes);
  else {
    const total = request.teacher.files.reduce((n, f) => n + f.size, 0);
    if (total > LOCAL_LIMITS.modelBytes)
      throw new LogitsFileError('teacher', null, `${megabytes(total)} of model files: at most ${megabytes(LOCAL_LIMITS.modelBytes)}`);
  }
  let samples: LocalSamples;
  if (request.dataset.kind === 'csv') {
    const { file, labelColumn, superclassColumn } = request.dataset;
    onProgress?.({ what: `reading ${file.name}`, done: 0, total: 0 });
    samples = parseFeatureCsv(file.name, await bytesOf(file), { labelColumn, superclassColumn }, (done, total) =>
      onProgress?.({ what: `reading the rows of ${file.name}`, done, total }),
    );
  } else {
    const { files, paths, size, channels } = request.dataset;
    if (files.length !== paths.length) throw new Error(`${files.length} files but ${paths.length} paths`);
    const entries = files.map((f, i) => ({ path: paths[i], bytes: f.size }));
    samples = await readImageFolder(
      entries,
      { size, channels },
      (i) => decode(files[i], { size, channels }),
      (done, total) => onProgress?.({ what: 'decoding the images', done, total }),
    );
  }
  const skipped = skippedNote(samples.skipped ?? []);
  const extra = { ...(skipped ? { skipped } : {}), ...(samples.resized ? { resized: samples.resized } : {}) };
  if (request.teacher.kind === 'logits') {
    const { file } = request.teacher;
    onProgress?.({ what: `reading ${file.name}`, done: 0, total: 0 });
    const logits = parseTeacherLogits(file.name, await bytesOf(file), samples.count, samples.classNames.length);
    return { dataset: splitSamples(samples, request.split, logits), teacher: { kind: 'logits', file: file.name }, ...extra };
  }
  const files = await Promise.all(request.teacher.files.map(async (f) => ({ name: f.name, bytes: await bytesOf(f) })));
  return { dataset: splitSamples(samples, request.split), teacher: { kind: 'model', artifacts: modelArtifacts(files) }, ...extra };
}
