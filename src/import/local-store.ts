// The local dataset kept in this browser's IndexedDB (through idb-keyval), so a reload does
// not lose it: its facts (small, read by the page at start) and its data (the split samples
// and the teacher, read by the training worker). Both are written in one transaction
// (setMany): a failed write leaves the previous dataset whole.
import { clear, createStore, getMany, setMany, type UseStore } from 'idb-keyval';
import type { Dataset } from '../data/dataset';
import type { LocalFacts } from '../models/catalog';
import type { ModelArtifacts } from './local-teacher';

/** What the worker trains on: the split dataset (with the teacher's logits, for a logits teacher) and the teacher model, if one. */
export interface LocalData {
  dataset: Dataset;
  teacher: ModelArtifacts | null;
}

let store: UseStore | null = null;
/** Opened on first use (createStore opens the database at once), and only where IndexedDB exists. */
function local(): UseStore {
  if (typeof indexedDB === 'undefined') throw new Error('this browser has no IndexedDB: a dataset of your own cannot be kept');
  return (store ??= createStore('pcd-playground', 'local-dataset'));
}

export async function saveLocal(facts: LocalFacts, data: LocalData): Promise<void> {
  try {
    await setMany(
      [
        ['data', data],
        ['facts', facts],
      ],
      local(),
    );
  } catch (error) {
    throw new Error(`the dataset could not be kept in this browser's storage (IndexedDB: ${(error as Error).message}); is the storage full?`, { cause: error });
  }
}

export async function readLocalFacts(): Promise<LocalFacts | null> {
  const [facts] = await getMany<LocalFacts>(['facts'], local());
  return facts ?? null;
}

export async function readLocalData(): Promise<LocalData | null> {
  const [data] = await getMany<LocalData>(['data'], local());
  return data ?? null;
}

export async function clearLocal(): Promise<void> {
  await clear(local());
}
