// Loaded into the app's page by e2e/worker.spec.ts: drives the real training worker
// through the app's own bridge.
import * as Comlink from 'comlink';
import { METHOD_DEFAULTS } from '../../src/distill/objective';
import { defaultTrainerConfig } from '../../src/train/config';
import type { ReportBatch, RunSpec, TrainingWorkerTestHooks } from '../../src/worker/api';
import { startTrainingWorker } from '../../src/worker/bridge';

export async function trainFewSteps(steps: number) {
  const worker = startTrainingWorker();
  try {
    const backend = await worker.api.initBackend(['webgpu']);
    const siteUrl = new URL('./', document.baseURI).href;
    const runs: RunSpec[] = [
      { id: 'kd', method: METHOD_DEFAULTS.kd },
      { id: 'pcd', method: METHOD_DEFAULTS.pcd },
    ];
    const config = { ...defaultTrainerConfig('synthetic100'), trainSubset: 512, batchSize: 64, budget: { unit: 'steps', amount: steps } };
    let refused = '';
    try {
      await worker.api.configure({ ...config, batchSize: 0 }, runs, siteUrl);
    } catch (error) {
      refused = (error as Error).message;
    }
    const info = await worker.api.configure(config, runs, siteUrl);
    const batches: ReportBatch[] = [];
    await worker.api.start(Comlink.proxy((batch: ReportBatch) => void batches.push(batch)));
    return { backend: backend.backend, refused, info, batches, finalState: await worker.api.state() };
  } finally {
    worker.terminate();
  }
}

/** Trains on WebGPU, destroys the GPU device mid-run, and recovers on WebGL. */
export async function loseDeviceAndRecover(steps: number) {
  const worker = startTrainingWorker();
  try {
    const backend = await worker.api.initBackend(['webgpu']);
    const siteUrl = new URL('./', document.baseURI).href;
    const runs: RunSpec[] = [{ id: 'pcd', method: METHOD_DEFAULTS.pcd }];
    const config = { ...defaultTrainerConfig('synthetic100'), trainSubset: 512, batchSize: 64, budget: { unit: 'steps', amount: steps } };
    await worker.api.configure(config, runs, siteUrl);
    await worker.api.step();
    await worker.api.step();
    const before: ReportBatch[] = [];
    let destroyed = false;
    await worker.api.start(
      Comlink.proxy((batch: ReportBatch) => {
        before.push(batch);
        if (!destroyed) {
          destroyed = true;
          // A hook of the development build only (TrainingWorkerTestHooks).
          void (worker.api as unknown as Comlink.Remote<TrainingWorkerTestHooks>).loseDeviceForTesting();
        }
      }),
    );
    const stateAfterLoss = await worker.api.state();
    const recovery = await worker.api.recover(['webgl', 'cpu']);
    const after: ReportBatch[] = [];
    await worker.api.start(Comlink.proxy((batch: ReportBatch) => void after.push(batch)));
    return { backend: backend.backend, before, stateAfterLoss, recovery, after, finalState: await worker.api.state() };
  } finally {
    worker.terminate();
  }
}
