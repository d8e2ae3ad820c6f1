import * as Comlink from 'comlink';
import { LocalDatasets } from '../import/local-import';
import { loseDeviceForTesting, memorySnapshot, selectBackend, watchDeviceLoss } from '../tf/backends';
import { TrainingSession } from '../train/session';
import { isClassification } from '../train/session-data';
import { scenesTask } from '../detect/task';
import type { SceneDataset } from '../detect/scenes-file';
import { detectionReproductionZip } from '../reproduce/detection-bundle';
import { reproductionZip } from '../reproduce/zip';
import { getBackend } from '@tensorflow/tfjs-core';
import reproduceScript from '../reproduce/reproduce.py?raw';
import type { TrainingWorkerApi, TrainingWorkerTestHooks } from './api';

// The worker only hosts a session; everything it does is in src/train/session.ts.
const local = new LocalDatasets();
const session = new TrainingSession(fetch, 'paced', { scenes: scenesTask, local });
/** The backend the last initBackend picked (null before the first). */
let backendInUse: string | null = null;

const api: TrainingWorkerApi = {
  initBackend: async (order, hint) => {
    // Nothing forced: the fastest backend here, which is not WebGPU on a software adapter
    // nor WebGL on a software renderer (WASM trains MLP and CNN students faster there).
    const info = await selectBackend(order, { avoidSoftwareGpu: !order, mlp: hint?.mlp ?? false });
    if (backendInUse && backendInUse !== info.backend) session.backendChanged();
    backendInUse = info.backend;
    watchDeviceLoss((reason) => session.deviceLost(reason));
    return info;
  },
  configure: (config, runs, siteUrl, onProgress, options) => session.configure(config, runs, siteUrl, onProgress, options),
  start: (onReport) => session.start(onReport),
  change: (change) => session.change(change),
  pause: () => session.pause(),
  stop: () => session.stop(),
  step: () => session.step(),
  evaluate: () => session.evaluate(),
  probe: () => session.probe(),
  state: () => session.state(),
  setPace: (ms) => session.setPace(ms),
  recover: (order, onProgress) => session.recover(order, onProgress),
  adoptLocal: (read, onProgress) => local.adopt(read, onProgress),
  cancelImport: () => local.cancel(),
  forgetLocal: () => local.forget(),
  localChangedElsewhere: () => local.changedElsewhere(),
  memory: () => ({ ...memorySnapshot(), resting: session.restingMemory() }),
  followSeed: (seed) => session.followSeed(seed),
  reproduction: async (evaluations, folder) => {
    // The settings the run started with, and each live change from its step.
    const zip = await session.withLoaded(async ({ initial: { config, runs }, changes, dataset, teacher, trainer }) => {
      const common = {
        config,
        compare: runs.map((r) => r.method.method).filter((m) => m !== config.method.method),
        runs,
        teacher,
        students: (seed: number) => trainer.students(seed),
        evaluations,
        backend: getBackend(),
        createdBy: `the playground at ${self.location.origin}${self.location.pathname.replace(/[^/]*$/, '')}`,
        script: reproduceScript,
      };
      if (isClassification(dataset)) return reproductionZip({ ...common, liveChanges: changes, dataset }, folder);
      if (changes.length)
        throw new Error(
          'this detection race changed live (learning rate, τ or α): its bundle cannot replay that yet; Reset, train without live changes, then export',
        );
      return detectionReproductionZip({ ...common, data: dataset as SceneDataset }, folder);
    });
    return Comlink.transfer(zip, [zip.buffer]);
  },
  exportStudent: async (id, seed) => {
    const exported = await session.withLoaded(({ trainer }) => trainer.exportStudent(id, seed));
    return Comlink.transfer(exported, [exported.weightData]);
  },
};

// Test hooks only in a development build (the e2e tests'): `import.meta.env.DEV` is false in
// the production build, which drops them.
const testHooks: TrainingWorkerTestHooks = { loseDeviceForTesting };
Comlink.expose(import.meta.env.DEV ? { ...api, ...testHooks } : api);
