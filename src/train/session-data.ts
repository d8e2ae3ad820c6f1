// Where a session's data and teacher come from (the site's files, or the local dataset kept
// in memory or IndexedDB), and its trainer, prepared before it replaces anything.
import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset';
import { loadDataset } from '../data/load';
import { openLocal } from '../import/local-import';
import { loadTeacher } from '../models/teacher';
import type { TrainerConfig } from './config';
import type { LiveChange } from './live-change';
import type { RunSpec } from './reports';
import type { SessionInfo } from './session-reports';
import type { SeedSet } from './seed-set';

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

/**
 * A trainer built and prepared (the teacher's logits, the kernels' warm-up); if preparing
 * fails or is superseded, the trainer and `ownTeacher` (a teacher loaded for it alone) are
 * freed and the error goes on, so whatever ran before is left as it was.
 */
export async function preparedTrainer<T extends { dispose(): void }>(
  build: () => T,
  prepare: (trainer: T) => Promise<void>,
  ownTeacher: tf.LayersModel | null,
): Promise<T> {
  const trainer = build();
  try {
    await prepare(trainer);
    return trainer;
  } catch (error) {
    trainer.dispose();
    ownTeacher?.dispose();
    throw error;
  }
}

/** A configured session: what it trains, on what, with which teacher. */
export interface Loaded {
  config: TrainerConfig;
  runs: RunSpec[];
  /** The configuration and runs the session started from (at configure or reset), before any live change. */
  initial: { config: TrainerConfig; runs: RunSpec[] };
  /** The live changes since, each with the step from which every seed trained with it. */
  changes: { fromStep: number; change: LiveChange }[];
  dataset: Dataset;
  teacher: tf.LayersModel | null;
  teacherTestAccuracy: number | null;
  trainer: SeedSet;
  siteUrl: string;
}

/** What the page is told of a configured session. */
export function sessionInfo({ trainer, config, dataset, runs, teacherTestAccuracy }: Loaded): SessionInfo {
  return {
    totalSteps: trainer.totalSteps,
    stepsPerEpoch: trainer.stepsPerEpoch,
    teacherTestAccuracy,
    classNames: dataset.classNames.slice(),
    ...(dataset.superclassOf ? { superclassOf: dataset.superclassOf.slice() } : {}),
    ...(dataset.superclassNames ? { superclassNames: dataset.superclassNames.slice() } : {}),
    trainCount: Math.min(config.trainSubset, dataset.train.count),
    testCount: dataset.test.count,
    runs,
    engine: trainer.engine,
  };
}
