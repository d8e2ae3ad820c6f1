// Where a session's data and teacher come from (the site's files, or the local dataset kept
// in memory or IndexedDB), and its trainer, prepared before it replaces anything.
import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset';
import { loadDataset } from '../data/load';
import type { LocalFacts } from '../models/catalog';
import { loadEvictingBadFiles } from '../data/site-files';
import type { LocalDatasets } from '../import/local-import';
import { loadTeacher } from '../models/teacher';
import type { TrainerConfig } from './config';
import type { LiveChange } from './live-change';
import type { RunSpec } from './reports';
import type { SessionInfo } from './session-reports';
import type { SeedSet } from './seed-set';
import type { ChunkPolicy } from './chunked-step';

/**
 * What the session drives: a {@link SeedSet} (classification) or a race of another task that
 * has the same interface (the digit scenes' detection race, src/detect/race.ts).
 */
export type Race = Pick<
  SeedSet,
  | 'seeds'
  | 'engine'
  | 'totalSteps'
  | 'stepsPerEpoch'
  | 'currentStep'
  | 'done'
  | 'restingMemory'
  | 'prepare'
  | 'students'
  | 'runSpecs'
  | 'followSeed'
  | 'adjust'
  | 'trainStep'
  | 'trainStepUnlessStopped'
  | 'evaluate'
  | 'probeSnapshot'
  | 'exportStudent'
  | 'snapshot'
  | 'restore'
  | 'dispose'
>;

/** What the session reads of another task's data: its class names and split sizes. */
export interface TaskData {
  id: string;
  classNames: string[];
  train: { count: number };
  test: { count: number };
}

/**
 * Another task's data, teacher and race, given to the session by the worker (src/detect/ sits
 * above src/train/, so the session never imports it): the digit scenes' detection.
 */
export interface TaskProvider<D extends TaskData = TaskData> {
  task: 'detection';
  load(
    siteUrl: string,
    fetchFn: typeof fetch,
    needsTeacher: boolean,
  ): Promise<{ dataset: D; teacher: tf.LayersModel | null; teacherTestAccuracy: number | null }>;
  build(config: TrainerConfig, runs: RunSpec[], dataset: D, teacher: tf.LayersModel | null, chunks: ChunkPolicy): Race;
}

/** The tasks other than classification a session can train, by dataset. */
/** What a session loads besides the site's datasets: the detection task, and the local dataset the worker holds. */
export type TaskProviders = { scenes?: TaskProvider; local?: LocalDatasets };

/**
 * The dataset and, when a run distils, its teacher (verified): from the site, or for the
 * local dataset from memory or IndexedDB (its teacher a model, or logits in the dataset).
 */
export async function loadSessionData(
  config: TrainerConfig,
  needsTeacher: boolean,
  siteUrl: string,
  fetchFn: typeof fetch,
  known?: Dataset | TaskData,
  tasks: TaskProviders = {},
): Promise<{ dataset: Dataset | TaskData; teacher: tf.LayersModel | null; teacherTestAccuracy: number | null }> {
  if (config.dataset === 'scenes') {
    const task = tasks.scenes;
    if (!task) throw new Error('dataset = scenes: this session cannot train detection (no detection task was given to it)');
    return loadEvictingBadFiles((f) => task.load(siteUrl, f, needsTeacher), fetchFn);
  }
  if (config.dataset === 'local') {
    if (!tasks.local) throw new Error('dataset = local: this session holds no local dataset (none was given to it)');
    const local = await tasks.local.open();
    return { dataset: local.data.dataset, teacher: local.teacher, teacherTestAccuracy: local.facts.teacherTestAccuracy };
  }
  // A bad copy of a site file (kept by the service worker's cache) is evicted and fetched again (data/site-files.ts).
  const id = config.dataset;
  return loadEvictingBadFiles(async (f) => {
    const dataset = (known as Dataset | undefined) ?? (await loadDataset(id, siteUrl, f));
    if (!needsTeacher) return { dataset, teacher: null, teacherTestAccuracy: null };
    const loaded = await loadTeacher(id, siteUrl, f, dataset);
    return { dataset, teacher: loaded.model, teacherTestAccuracy: loaded.metadata.testAccuracy };
  }, fetchFn);
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
  /** A classification dataset, or another task's data (see {@link isClassification}). */
  dataset: Dataset | TaskData;
  teacher: tf.LayersModel | null;
  teacherTestAccuracy: number | null;
  trainer: Race;
  siteUrl: string;
  /** The facts of the dataset of one's own this session trains on (null for a built-in one): kept, whoever replaces the stored one. */
  localFacts: LocalFacts | null;
}

/** Whether a session's data is a classification dataset (every sample one class), not another task's. */
export function isClassification(dataset: Dataset | TaskData): dataset is Dataset {
  return 'featureShape' in dataset;
}

/** What the page is told of a configured session. */
export function sessionInfo({ trainer, config, dataset, runs, teacherTestAccuracy }: Loaded): SessionInfo {
  return {
    totalSteps: trainer.totalSteps,
    stepsPerEpoch: trainer.stepsPerEpoch,
    teacherTestAccuracy,
    classNames: dataset.classNames.slice(),
    task: isClassification(dataset) ? 'classification' : 'detection',
    ...(isClassification(dataset) && dataset.superclassOf ? { superclassOf: dataset.superclassOf.slice() } : {}),
    ...(isClassification(dataset) && dataset.superclassNames ? { superclassNames: dataset.superclassNames.slice() } : {}),
    trainCount: Math.min(config.trainSubset, dataset.train.count),
    testCount: dataset.test.count,
    runs,
    engine: trainer.engine,
  };
}
