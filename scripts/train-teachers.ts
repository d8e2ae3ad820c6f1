// npm run train:teachers [-- --only mnist|synthetic100|scenes] [--epochs N] [--steps N]
// Trains each dataset's teacher reproducibly from its recipe's seed with the project's own
// code and writes public/models/<dataset>/teacher/{model.json, weights.bin, metadata.json}.
// The synthetic teacher (an MLP) trains in Node on the CPU backend; the MNIST CNN trains
// in headless Chromium on WebGL, as the shipped one was trained (before the WASM backend had
// convolution gradients); the detection teacher (scenes) trains in Node on WASM.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetId } from '../src/data/dataset';
import { loadDataset } from '../src/data/load';
import { fileSeals, type TeacherMetadata } from '../src/models/teacher';
import { selectBackend } from '../src/tf/backends';
import { loadScenes } from '../src/detect/scenes-file';
import type { DetectionTeacherMetadata } from '../src/detect/teacher';
import { serveDirectory } from '../src/test-support/static-server';
import { trainDetectionTeacher } from './lib/detector-training';
import type * as Harness from './browser/teachers';
import { withAppPage } from './lib/browser-session';
import { trainTeacher, type TrainedTeacher } from './lib/teacher-training';

const argValue = (flag: string) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const only = argValue('--only') as DatasetId | 'scenes' | undefined;
const epochs = argValue('--epochs') ? Number(argValue('--epochs')) : undefined;
const steps = argValue('--steps') ? Number(argValue('--steps')) : undefined;
if (only && !['mnist', 'synthetic100', 'scenes'].includes(only)) throw new Error(`--only ${only}: expected mnist, synthetic100 or scenes`);
const datasets: (DatasetId | 'scenes')[] = only ? [only] : ['synthetic100', 'mnist', 'scenes'];

/** The detection teacher: trained in Node on WASM, written with its seals and its AP. */
async function trainScenesTeacher(): Promise<void> {
  await selectBackend(['wasm']);
  const site = await serveDirectory('public');
  const data = await loadScenes(`${site.url}data/scenes/`);
  await site.close();
  const trained = await trainDetectionTeacher(data, (line) => console.log(`  ${line}`), steps);
  const artifacts = await new Promise<tf.io.ModelArtifacts>((resolve) =>
    trained.model.save(
      tf.io.withSaveHandler(async (a) => {
        resolve(a);
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    ),
  );
  const dir = join('public', 'models', 'scenes', 'teacher');
  mkdirSync(dir, { recursive: true });
  const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
  writeFileSync(join(dir, 'weights.bin'), weights);
  const modelText = `${JSON.stringify({
    format: 'layers-model',
    generatedBy: 'pcd-playground train:teachers',
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
  })}\n`;
  writeFileSync(join(dir, 'model.json'), modelText);
  const files = await fileSeals({ 'model.json': new TextEncoder().encode(modelText), 'weights.bin': weights });
  const metadata: DetectionTeacherMetadata = {
    ...trained.metadata,
    files,
    trainedWith: { backend: 'wasm', where: 'Node', seconds: trained.seconds },
    date: new Date().toISOString().slice(0, 10),
  };
  writeFileSync(join(dir, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
  trained.model.dispose();
  console.log(
    `wrote ${dir}: test AP ${metadata.testStats[0].toFixed(3)} (AP@.5 ${metadata.testStats[1].toFixed(3)}) on ${metadata.testCount} scenes; ${trained.seconds.toFixed(0)} s on WASM (Node)`,
  );
}

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
  if (dataset === 'scenes') {
    await trainScenesTeacher();
  } else if (dataset === 'synthetic100') {
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
