// The local dataset kept in this browser's IndexedDB (through idb-keyval), so a reload does
// not lose it: its facts (small, read by the page at start) and its data (the split samples
// and the teacher, read by the training worker). Both are written in one transaction
// (setMany): a failed write leaves the previous dataset whole.
//
// What comes back from storage is untrusted input, like a link or a file: a record written
// by an older version of the page, damaged, or edited by hand. It is checked with the same
// schema discipline (zod, every field and every size), and a record that fails is dropped
// (both keys, in one transaction) with a reason the page says, never handed to the page.
import { clear, createStore, delMany, getMany, promisifyRequest, type UseStore } from 'idb-keyval';
import { z } from '../data/zod';
import type { Dataset } from '../data/dataset';
import type { LocalFacts } from '../models/catalog';
import { LOCAL_LIMITS } from './local-limits';
import type { ModelArtifacts } from './local-model-files';

/** What the worker trains on: the split dataset (with the teacher's logits, for a logits teacher) and the teacher model, if one. */
export interface LocalData {
  dataset: Dataset;
  teacher: ModelArtifacts | null;
}

/** A stored record that did not pass its check (it has been dropped). */
export class StoredDataError extends Error {
  constructor(what: string) {
    super(`your stored dataset could not be read and was forgotten (${what}): load it again with "Your data"`);
    this.name = 'StoredDataError';
  }
}

const name = z.string().min(1).max(1000);
const count = z.number().int().min(1).max(LOCAL_LIMITS.samples);

/** The facts as this version of the page writes them. */
export const LocalFactsSchema = z.strictObject({
  name,
  featureShape: z.array(z.number().int().min(1).max(LOCAL_LIMITS.featuresPerSample)).min(1).max(3),
  classNames: z.array(name).min(2).max(LOCAL_LIMITS.classes),
  trainCount: count,
  testCount: count,
  teacher: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('model'), description: z.string().max(1000), parameters: z.number().int().min(0) }),
    z.strictObject({ kind: z.literal('logits'), file: name }),
  ]),
  teacherTestAccuracy: z.number().min(0).max(1),
  superclassNames: z.array(name).max(LOCAL_LIMITS.classes).optional(),
});

const split = z.strictObject({
  features: z.instanceof(Float32Array),
  labels: z.instanceof(Int32Array),
  count,
  teacherLogits: z.instanceof(Float32Array).optional(),
  rows: z.instanceof(Int32Array).optional(),
});

const DataSchema = z.strictObject({
  dataset: z.strictObject({
    id: z.literal('local'),
    name: z.string().max(1000).optional(),
    featureShape: LocalFactsSchema.shape.featureShape,
    classNames: LocalFactsSchema.shape.classNames,
    superclassOf: z.array(z.number().int().min(0)).optional(),
    superclassNames: LocalFactsSchema.shape.superclassNames,
    split: z.strictObject({ testShare: z.number(), seed: z.number().int() }).optional(),
    train: split,
    test: split,
  }),
  teacher: z
    .strictObject({
      modelTopology: z.record(z.string(), z.unknown()),
      weightSpecs: z.array(z.record(z.string(), z.unknown())),
      weightData: z.instanceof(ArrayBuffer),
    })
    .nullable(),
});

const firstIssue = (error: z.ZodError) => {
  const issue = error.issues[0];
  return `${issue.path.join('.') || 'the record'}: ${issue.message}`;
};

/** Checks stored facts; throws a {@link StoredDataError} naming the first fault. */
export function checkStoredFacts(raw: unknown): LocalFacts {
  const parsed = LocalFactsSchema.safeParse(raw);
  if (!parsed.success) throw new StoredDataError(`facts, ${firstIssue(parsed.error)}`);
  return parsed.data as LocalFacts;
}

/**
 * Checks stored data against its facts: the schema, then every size the trainer relies on
 * (features, labels in range, the teacher's logits), so a damaged record never reaches it.
 */
export function checkStoredData(raw: unknown, facts: LocalFacts): LocalData {
  const parsed = DataSchema.safeParse(raw);
  if (!parsed.success) throw new StoredDataError(`data, ${firstIssue(parsed.error)}`);
  const data = parsed.data as LocalData;
  const { dataset } = data;
  const perSample = dataset.featureShape.reduce((a, b) => a * b, 1);
  const classes = dataset.classNames.length;
  if (
    JSON.stringify(dataset.featureShape) !== JSON.stringify(facts.featureShape) ||
    JSON.stringify(dataset.classNames) !== JSON.stringify(facts.classNames)
  ) {
    throw new StoredDataError('the data does not match its facts (shape or classes): written by two different loads');
  }
  for (const [which, part, expected] of [
    ['train', dataset.train, facts.trainCount],
    ['test', dataset.test, facts.testCount],
  ] as const) {
    if (part.count !== expected || part.features.length !== part.count * perSample || part.labels.length !== part.count)
      throw new StoredDataError(`data, ${which}: sizes do not match (${part.count} samples)`);
    if (part.labels.some((label) => label < 0 || label >= classes))
      throw new StoredDataError(`data, ${which}: a label is not a class index 0…${classes - 1}`);
    if (part.teacherLogits && part.teacherLogits.length !== part.count * classes)
      throw new StoredDataError(`data, ${which}.teacherLogits: ${part.teacherLogits.length} values, expected ${part.count * classes}`);
    if ((facts.teacher.kind === 'logits') !== !!part.teacherLogits)
      throw new StoredDataError(
        `data, ${which}: the teacher's logits ${part.teacherLogits ? 'are there but the facts name a model' : 'are missing'}`,
      );
  }
  if ((facts.teacher.kind === 'model') !== !!data.teacher)
    throw new StoredDataError(`data: the teacher model is ${data.teacher ? 'there but the facts name a logits file' : 'missing'}`);
  return data;
}

let store: UseStore | null = null;
/** Opened on first use (createStore opens the database at once), and only where IndexedDB exists. */
function local(): UseStore {
  if (typeof indexedDB === 'undefined') throw new Error('this browser has no IndexedDB: a dataset of your own cannot be kept');
  return (store ??= createStore('pcd-playground', 'local-dataset'));
}

/** A storage write that failed: the quota (the browser's "QuotaExceededError") said in plain words. */
export function storageError(error: unknown): Error {
  const e = error as { name?: string; message?: string };
  const quota = e?.name === 'QuotaExceededError' || /quota/i.test(e?.message ?? '');
  return new Error(
    quota
      ? `the dataset could not be kept: this browser's storage for the site is full (${e.name}); the previous dataset is kept. Free space (forget the dataset, or clear the site's data in the browser's settings) and load it again`
      : `the dataset could not be kept in this browser's storage (IndexedDB: ${e?.message ?? String(error)}); the previous dataset is kept`,
    { cause: error },
  );
}

/**
 * Writes the data and its facts in one transaction. A write refused at once (a value that
 * cannot be cloned, a full storage) aborts the transaction, so the record written before it
 * in the same transaction goes too, and the previous dataset stays whole.
 */
export async function saveLocal(facts: LocalFacts, data: LocalData): Promise<void> {
  try {
    await local()('readwrite', (store) => {
      try {
        store.put(data, 'data');
        store.put(facts, 'facts');
      } catch (error) {
        store.transaction.abort();
        throw error;
      }
      return promisifyRequest(store.transaction);
    });
  } catch (error) {
    throw storageError(error);
  }
}

/** Drops both records (a failed check); a failure to drop is not worth a second error. */
async function drop(): Promise<void> {
  await delMany(['facts', 'data'], local()).catch(() => undefined);
}

/** The stored facts, checked: null when none are kept; a {@link StoredDataError} (the record dropped) when they fail. */
export async function readLocalFacts(): Promise<LocalFacts | null> {
  const [raw] = await getMany<unknown>(['facts'], local());
  if (raw === undefined) return null;
  try {
    return checkStoredFacts(raw);
  } catch (error) {
    await drop();
    throw error;
  }
}

/** The stored facts and data, both checked: null when none are kept; a {@link StoredDataError} (dropped) when they fail. */
export async function readLocal(): Promise<{ facts: LocalFacts; data: LocalData } | null> {
  const [rawFacts, rawData] = await getMany<unknown>(['facts', 'data'], local());
  if (rawFacts === undefined && rawData === undefined) return null;
  try {
    if (rawFacts === undefined || rawData === undefined) throw new StoredDataError(`the ${rawFacts === undefined ? 'facts are' : 'data is'} missing`);
    const facts = checkStoredFacts(rawFacts);
    return { facts, data: checkStoredData(rawData, facts) };
  } catch (error) {
    await drop();
    throw error;
  }
}

export async function clearLocal(): Promise<void> {
  await clear(local());
}
