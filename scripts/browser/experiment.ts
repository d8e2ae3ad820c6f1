// Loaded into the app's page by `npm run experiment` for CNN students: the same race as in
// Node, on the first working backend of `order`.
import { builtInDataset, loadDataset } from '../../src/data/load';
import { loadTeacher } from '../../src/models/teacher';
import { selectBackend, type BackendName } from '../../src/tf/backends';
import type { TrainerConfig } from '../../src/train/config';
import type { RunSpec } from '../../src/train/reports';
import { raceOneSeed } from '../lib/experiment-race';

const siteUrl = new URL('./', document.baseURI).href;

export async function raceInBrowser(order: BackendName[], config: TrainerConfig, runs: RunSpec[], seed: number, evalEvery: number) {
  const inUse = await selectBackend(order);
  const data = await loadDataset(builtInDataset(config.dataset), siteUrl);
  const { model } = await loadTeacher(builtInDataset(config.dataset), siteUrl, fetch, data);
  try {
    return { backend: inUse.backend, adapter: inUse.adapter, result: await raceOneSeed(config, runs, data, model, seed, evalEvery) };
  } finally {
    model.dispose();
  }
}
