import * as Comlink from 'comlink';
import type { TrainingWorkerApi } from './api';

/**
 * The only place the UI talks to the training worker. TF.js is imported inside the worker
 * alone, so the page's own bundle stays small and its thread stays free.
 */
export function startTrainingWorker(): { api: Comlink.Remote<TrainingWorkerApi>; terminate: () => void } {
  const worker = new Worker(new URL('./training.worker.ts', import.meta.url), { type: 'module', name: 'training' });
  return { api: Comlink.wrap<TrainingWorkerApi>(worker), terminate: () => worker.terminate() };
}
