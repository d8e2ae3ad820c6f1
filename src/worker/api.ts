// The one contract between the page and the training worker, imported with `import type`
// on both sides (ARCHITECTURE.md, Worker boundary). Only plain data crosses it.
import type { BackendInUse, BackendName } from '../tf/backends';

export type { BackendInUse, BackendName };

export interface TrainingWorkerApi {
  /** Starts TF.js on the first backend of `order` that works and says which one it got. */
  initBackend(order?: BackendName[]): Promise<BackendInUse>;
}
