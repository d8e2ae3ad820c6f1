// Loaded into the app's page by `npm run experiment` for CNN students: the same race as in
// Node, on the page's fastest working backend (WebGPU, WebGL, CPU).
import type { DatasetId } from '../../src/data/dataset';
import type { Method } from '../../src/distill/objective';
import { loadDataset } from '../../src/data/load';
import { loadTeacher } from '../../src/models/teacher';
import { selectBackend, type BackendName } from '../../src/tf/backends';
import type { TrainerConfig } from '../../src/train/config';
import { raceOneSeed } from '../lib/experiment-race';

const siteUrl = new URL('./', document.baseURI).href;

export async function raceInBrowser(order: BackendName[], dataset: DatasetId, config: TrainerConfig, methods: Method[], seed: number) {
  const inUse = await selectBackend(order);
  const data = await loadDataset(dataset, siteUrl);
  const { model } = await loadTeacher(dataset, siteUrl);
  try {
    return { backend: inUse.backend, adapter: inUse.adapter, rows: await raceOneSeed(config, methods, data, model, seed) };
  } finally {
    model.dispose();
  }
}
