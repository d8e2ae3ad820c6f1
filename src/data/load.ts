import type { Dataset, DatasetId } from './dataset';
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
