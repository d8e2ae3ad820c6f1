// npm run train:teachers [-- --only mnist|synthetic100] [--epochs N]
// Trains each dataset's teacher reproducibly from its recipe's seed with the project's own
// code and writes public/models/<dataset>/teacher/{model.json, weights.bin, metadata.json}.
// The synthetic teacher (an MLP) trains in Node on the CPU backend; the MNIST CNN trains
// in headless Chromium on WebGL, because TF.js's CPU backend in Node needs about half a
// minute per CNN batch and its WASM backend has no convolution gradients.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetId } from '../src/data/dataset';
import { loadDataset } from '../src/data/load';
import { fileSeals, type TeacherMetadata } from '../src/models/teacher';
import { selectBackend } from '../src/tf/backends';
import type * as Harness from './browser/teachers';
import { withAppPage } from './lib/browser-session';
import { trainTeacher, type TrainedTeacher } from './lib/teacher-training';

const argValue = (flag: string) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const only = argValue('--only') as DatasetId | undefined;
const epochs = argValue('--epochs') ? Number(argValue('--epochs')) : undefined;
const datasets: DatasetId[] = only ? [only] : ['synthetic100', 'mnist'];

async function writeTeacher(trained: TrainedTeacher, trainedWith: TeacherMetadata['trainedWith']): Promise<void> {
  const dir = join('public', 'models', trained.metadata.dataset, 'teacher');
  mkdirSync(dir, { recursive: true });
  const weights = Buffer.from(trained.weightDataBase64, 'base64');
  writeFileSync(join(dir, 'weights.bin'), weights);
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'pcd-playground train:teachers',
    convertedBy: null,
    modelTopology: trained.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: trained.weightSpecs }],
  };
  const modelText = `${JSON.stringify(modelJson)}\n`;
  writeFileSync(join(dir, 'model.json'), modelText);
  // Every load checks these (src/models/teacher.ts).
  const files = await fileSeals({ 'model.json': new TextEncoder().encode(modelText), 'weights.bin': new Uint8Array(weights) });
  const metadata: TeacherMetadata = { ...trained.metadata, files, trainedWith, date: new Date().toISOString().slice(0, 10) };
  writeFileSync(join(dir, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
  const baseline = metadata.baselineStudent
    ? `; ${metadata.baselineStudent.modelId} from scratch: ${(100 * metadata.baselineStudent.testAccuracy).toFixed(2)}%`
    : '';
  console.log(
    `wrote ${dir}: test accuracy ${(100 * metadata.testAccuracy).toFixed(2)}% on ${metadata.testCount}${baseline}; ${trainedWith.seconds.toFixed(0)} s on ${trainedWith.backend} (${trainedWith.where})`,
  );
}

const started = performance.now();
for (const dataset of datasets) {
  if (dataset === 'synthetic100') {
    await selectBackend(['cpu']);
    const trained = await trainTeacher(await loadDataset(dataset, ''), (line) => console.log(`  ${line}`), epochs);
    await writeTeacher(trained, { backend: 'cpu', where: 'Node', seconds: trained.seconds });
  } else {
    const trained = await withAppPage((page) =>
      page.evaluate(
        async ([url, name, n]) => {
          const harness: typeof Harness = await import(/* @vite-ignore */ url);
          return harness.trainTeacherInBrowser(name, 'webgl', n ?? undefined);
        },
        ['/scripts/browser/teachers.ts', dataset, epochs ?? null] as const,
      ),
    );
    await writeTeacher(trained, { backend: trained.backend, where: 'headless Chromium', seconds: trained.seconds });
  }
}
console.log(`train:teachers took ${((performance.now() - started) / 1000).toFixed(0)} s`);
