import * as Comlink from 'comlink';
import type { ImportWorkerApi } from '../import/import.worker';
import type { InspectorWorkerApi } from '../import/inspector.worker';
import type { TrainingWorkerApi } from './api';

/**
 * The only place the UI talks to the training worker. TF.js is imported inside the worker
 * alone, so the page's own bundle stays small and its thread stays free.
 */
export function startTrainingWorker(): {
  api: Comlink.Remote<TrainingWorkerApi>;
  terminate: () => void;
  /** Rejects when the worker's script fails to load or the worker throws outside a call. */
  failed: Promise<never>;
} {
  const worker = new Worker(new URL('./training.worker.ts', import.meta.url), { type: 'module', name: 'training' });
  // A script that does not load (404, a network error, a syntax error) fires 'error' on the
  // Worker and never answers a call: without this the page would wait forever.
  const failed = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      reject(
        new Error(
          `the training worker failed to start${event.message ? ` (${event.message})` : ''}: its script did not load or threw; reload the page, and if it persists the site's files are incomplete`,
        ),
      );
    });
  });
  failed.catch(() => undefined); // observed by whoever awaits it
  return { api: Comlink.wrap<TrainingWorkerApi>(worker), terminate: () => worker.terminate(), failed };
}

/** A worker that rejects `failed` when its script does not load (404, a network error) or throws outside a call. */
function watchedWorker(worker: Worker, what: string): Promise<never> {
  // Without this a worker whose script never loaded (a release deployed while the tab was open:
  // its chunk is gone) never answers a call, and the page waits forever.
  const failed = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      reject(
        new Error(
          `${what} failed${event.message ? ` (${event.message})` : ''}: reload the page (a new version of the site may have been deployed since it opened), and if it persists the site's files are incomplete`,
        ),
      );
    });
  });
  failed.catch(() => undefined); // observed by whoever awaits it
  return failed;
}

/**
 * A worker of its own that reads and parses a dataset of one's own (src/import/import.worker.ts),
 * one per import: a long parse then stalls neither training nor the page, and Cancel is
 * `terminate()`.
 */
export function startImportWorker(): { api: Comlink.Remote<ImportWorkerApi>; terminate: () => void; failed: Promise<never> } {
  const worker = new Worker(new URL('../import/import.worker.ts', import.meta.url), { type: 'module', name: 'import' });
  return { api: Comlink.wrap<ImportWorkerApi>(worker), terminate: () => worker.terminate(), failed: watchedWorker(worker, 'the import worker') };
}

/** The PCD inspector's worker (src/import/inspector.worker.ts): parsing and computing off the page's thread. */
export function startInspectorWorker(): { api: Comlink.Remote<InspectorWorkerApi>; terminate: () => void; failed: Promise<never> } {
  const worker = new Worker(new URL('../import/inspector.worker.ts', import.meta.url), { type: 'module', name: 'inspector' });
  return { api: Comlink.wrap<InspectorWorkerApi>(worker), terminate: () => worker.terminate(), failed: watchedWorker(worker, 'the inspector') };
}
