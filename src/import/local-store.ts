// The local dataset kept in this browser's IndexedDB, so a reload does not lose it: its
// facts (small, read by the page at start) and its data (the split samples and the
// teacher, read by the training worker). Both are written in one transaction: a failed
// write leaves the previous dataset whole.
import type { Dataset } from '../data/dataset';
import type { LocalFacts } from '../models/catalog';
import type { ModelArtifacts } from './local-teacher';

/** What the worker trains on: the split dataset (with the teacher's logits, for a logits teacher) and the teacher model, if one. */
export interface LocalData {
  dataset: Dataset;
  teacher: ModelArtifacts | null;
}

const DATABASE = 'pcd-playground';
const STORE = 'local-dataset';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      reject(new Error('this browser has no IndexedDB: a local dataset cannot be kept'));
      return;
    }
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(new Error(`IndexedDB: ${request.error?.message ?? 'could not be opened'}`));
  });
}

async function transact<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> {
  const db = await open();
  try {
    return await new Promise<T | undefined>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request ? request.result : undefined);
      tx.onerror = () => reject(new Error(`IndexedDB: ${tx.error?.message ?? 'the transaction failed'}`));
      tx.onabort = () => reject(new Error(`IndexedDB: ${tx.error?.message ?? 'the transaction was aborted'} (is the browser's storage full?)`));
    });
  } finally {
    db.close();
  }
}

export async function saveLocal(facts: LocalFacts, data: LocalData): Promise<void> {
  await transact('readwrite', (store) => {
    store.put(data, 'data');
    store.put(facts, 'facts');
  });
}

export async function readLocalFacts(): Promise<LocalFacts | null> {
  return ((await transact<LocalFacts>('readonly', (store) => store.get('facts'))) ?? null) as LocalFacts | null;
}

export async function readLocalData(): Promise<LocalData | null> {
  return ((await transact<LocalData>('readonly', (store) => store.get('data'))) ?? null) as LocalData | null;
}

export async function clearLocal(): Promise<void> {
  await transact('readwrite', (store) => store.clear());
}
