// Where a session's data and teacher come from: the site's files, or the local dataset kept
// in memory or IndexedDB.
import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset';
import { loadDataset } from '../data/load';
import { openLocal } from '../import/local-import';
import { loadTeacher } from '../models/teacher';
import type { TrainerConfig } from './config';

/**
 * The dataset and, when a run distils, its teacher (verified): from the site, or for the
 * local dataset from memory or IndexedDB (its teacher a model, or logits in the dataset).
 */
export async function loadSessionData(
  config: TrainerConfig,
  needsTeacher: boolean,
  siteUrl: string,
  fetchFn: typeof fetch,
  known?: Dataset,
): Promise<{ dataset: Dataset; teacher: tf.LayersModel | null; teacherTestAccuracy: number | null }> {
  if (config.dataset === 'local') {
    const local = await openLocal();
    return { dataset: local.data.dataset, teacher: local.teacher, teacherTestAccuracy: local.facts.teacherTestAccuracy };
  }
  const dataset = known ?? (await loadDataset(config.dataset, siteUrl, fetchFn));
  if (!needsTeacher) return { dataset, teacher: null, teacherTestAccuracy: null };
  const loaded = await loadTeacher(config.dataset, siteUrl, fetchFn, dataset);
  return { dataset, teacher: loaded.model, teacherTestAccuracy: loaded.metadata.testAccuracy };
}
