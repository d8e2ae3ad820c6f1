import { describe, expect, it } from 'vitest';
import type { LocalFacts } from '../models/catalog';
import { checkStoredData, checkStoredFacts, StoredDataError, storageError } from './local-store';

// What IndexedDB gives back is untrusted: an older format, a damaged or hand-edited record.
const facts: LocalFacts = {
  name: 'digits.csv',
  featureShape: [2],
  classNames: ['a', 'b'],
  trainCount: 3,
  testCount: 1,
  teacher: { kind: 'logits', file: 'logits.npy' },
  teacherTestAccuracy: 1,
};
const split = (count: number) => ({
  features: new Float32Array(count * 2),
  labels: new Int32Array(count),
  count,
  teacherLogits: new Float32Array(count * 2),
});
const data = {
  dataset: { id: 'local', name: 'digits.csv', featureShape: [2], classNames: ['a', 'b'], train: split(3), test: split(1) },
  teacher: null,
};

describe('a dataset kept in IndexedDB, read back', () => {
  it('passes as this version writes it', () => {
    expect(checkStoredFacts(structuredClone(facts))).toEqual(facts);
    expect(checkStoredData(structuredClone(data), facts).dataset.train.count).toBe(3);
  });

  it('refuses facts of an older format, a plain string, an object where a name is expected, naming the field', () => {
    const older: Partial<LocalFacts> = { ...facts };
    delete older.classNames;
    const cases: [unknown, RegExp][] = [
      [older, /facts, classNames: /],
      ['digits', /facts, the record: /],
      [{ ...facts, classNames: [{ name: 'a' }, 'b'] }, /facts, classNames\.0: /],
      [{ ...facts, name: { toString: 1 } }, /facts, name: /],
      [{ ...facts, teacherTestAccuracy: Number.NaN }, /facts, teacherTestAccuracy: /],
      [{ ...facts, featureShape: [0] }, /facts, featureShape\.0: /],
      [{ ...facts, extra: 1 }, /facts, the record: /],
    ];
    for (const [raw, says] of cases) {
      expect(() => checkStoredFacts(raw)).toThrow(StoredDataError);
      expect(() => checkStoredFacts(raw)).toThrow(says);
      expect(() => checkStoredFacts(raw)).toThrow(/could not be read and was forgotten .*: load it again/);
    }
  });

  it('refuses data that does not fit its facts or itself: sizes, labels, the teacher', () => {
    const bad = (change: (d: typeof data) => unknown) => {
      const copy = structuredClone(data);
      return () => checkStoredData(change(copy) ?? copy, facts);
    };
    expect(bad((d) => void (d.dataset.train.features = new Float32Array(5)))).toThrow(/data, train: sizes do not match/);
    expect(bad((d) => void (d.dataset.test.labels = Int32Array.of(2)))).toThrow(/data, test: a label is not a class index 0…1/);
    expect(bad((d) => void (d.dataset.classNames = ['a', 'c']))).toThrow(/does not match its facts/);
    expect(bad((d) => void delete (d.dataset.train as { teacherLogits?: unknown }).teacherLogits)).toThrow(
      /data, train: the teacher's logits are missing/,
    );
    expect(bad((d) => void ((d.dataset.train as { labels: unknown }).labels = [0, 1, 0]))).toThrow(/data, dataset\.train\.labels: /);
    expect(bad(() => 'nothing')).toThrow(/data, the record: /);
  });

  it('says a full storage in plain words, and that the previous dataset is kept', () => {
    const quota = storageError(Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' }));
    expect(quota.message).toMatch(/storage for the site is full \(QuotaExceededError\); the previous dataset is kept/);
    expect(storageError(new Error('disk on fire')).message).toMatch(/IndexedDB: disk on fire\); the previous dataset is kept/);
  });
});
