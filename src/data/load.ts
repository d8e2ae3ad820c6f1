import type { AnyDatasetId, Dataset, DatasetId } from './dataset';
import { loadMnist } from './mnist';
import { generateSynthetic100 } from './synthetic';

export const DATASET_IDS: readonly DatasetId[] = ['mnist', 'synthetic100'];

/**
 * The one way the app (and every tool) gets a dataset: MNIST from the site's static files
 * under `siteUrl` (which ends in `/`), the synthetic one generated from its seed.
 */
export async function loadDataset(id: DatasetId, siteUrl: string, fetchFn: typeof fetch = fetch): Promise<Dataset> {
  if (id === 'mnist') return loadMnist(`${siteUrl}data/mnist/`, fetchFn);
  return generateSynthetic100();
}

/** A built-in dataset id, or an error for the local one (which lives in a browser's IndexedDB, not on the site). */
export function builtInDataset(id: AnyDatasetId): DatasetId {
  if (id === 'scenes') throw new Error('dataset = scenes: the digit scenes are a detection task (src/detect/), loaded with loadScenes');
  if (id === 'local')
    throw new Error('dataset = local: a dataset of your own lives in the browser that loaded it; the tools use mnist and synthetic100');
  return id;
}
