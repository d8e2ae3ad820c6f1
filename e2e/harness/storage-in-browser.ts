// Loaded into the app's page by e2e/hardening.spec.ts: the stored dataset written through the
// app's own store with the browser's real IndexedDB, then a second write refused as a full
// storage refuses it (a QuotaExceededError from the object store: Chromium here ignores the
// DevTools protocol's quota override, so the refusal is raised where the browser raises it).
import type { LocalFacts } from '../../src/models/catalog';
import { readLocal, saveLocal, type LocalData } from '../../src/import/local-store';

const facts = (name: string): LocalFacts => ({
  name,
  featureShape: [2],
  classNames: ['a', 'b'],
  trainCount: 2,
  testCount: 1,
  teacher: { kind: 'logits', file: 'l.csv' },
  teacherTestAccuracy: 1,
});
const split = (count: number) => ({
  features: new Float32Array(count * 2),
  labels: new Int32Array(count),
  count,
  teacherLogits: new Float32Array(count * 2),
});
const data = (name: string): LocalData => ({
  dataset: { id: 'local', name, featureShape: [2], classNames: ['a', 'b'], train: split(2), test: split(1) },
  teacher: null,
});

export async function fullStorage(): Promise<{ refusal: string; kept: string | null }> {
  await saveLocal(facts('kept.csv'), data('kept.csv'));
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (value: unknown, key?: IDBValidKey) {
    // The second put of the transaction (the facts) finds the storage full.
    if (key === 'facts') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    return put.call(this, value, key);
  };
  let refusal = '';
  try {
    await saveLocal(facts('big.csv'), data('big.csv'));
  } catch (error) {
    refusal = (error as Error).message;
  } finally {
    IDBObjectStore.prototype.put = put;
  }
  const stored = await readLocal();
  return { refusal, kept: stored ? `${stored.facts.name} / ${stored.data.dataset.name}` : null };
}
