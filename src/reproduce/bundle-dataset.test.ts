// A bundle's data as the runner reads it (`--config DIR/run.json` on one's own data): what the
// page refuses of one's own data is refused here, named, not trained as an ordinary result.
import { describe, expect, it } from 'vitest';
import { bundleDataset, type ReproductionManifest } from './bundle';
import { npyBytes } from './npy';

const classes = 4;
const files = (overrides: Record<string, Uint8Array> = {}) => {
  const base: Record<string, Uint8Array> = {
    'x_train.npy': npyBytes([6, 2], [0, 1, 1, 0, 0.5, 0.5, 1, 1, 0, 0, 0.2, 0.8]),
    'y_train.npy': npyBytes([6], [0, 1, 2, 3, 1, 2], '<i4'),
    'teacher_train.npy': npyBytes(
      [6, classes],
      Array.from({ length: 24 }, (_, i) => i % 5),
    ),
    'x_test.npy': npyBytes([2, 2], [1, 0, 0, 1]),
    'y_test.npy': npyBytes([2], [3, 0], '<i4'),
    'teacher_test.npy': npyBytes(
      [2, classes],
      Array.from({ length: 8 }, (_, i) => i),
    ),
  };
  return { ...base, ...overrides };
};
const manifest = {
  dataset: {
    id: 'local',
    name: 'four.csv',
    featureShape: [2],
    classNames: ['a', 'b', 'c', 'd'],
    split: { kind: 'given' },
    train: { count: 6, features: 'x_train.npy', labels: 'y_train.npy', teacherLogits: 'teacher_train.npy' },
    test: { count: 2, features: 'x_test.npy', labels: 'y_test.npy', teacherLogits: 'teacher_test.npy' },
  },
} as unknown as ReproductionManifest;
const read = (overrides?: Record<string, Uint8Array>) => (name: string) => files(overrides)[name];

describe('a bundle’s dataset, read for the runner', () => {
  it('reads the samples, labels and teacher logits it names', () => {
    const data = bundleDataset(manifest, read());
    expect(data.train.count).toBe(6);
    expect(Array.from(data.test.labels)).toEqual([3, 0]);
  });

  it('refuses a label outside the classes and values that are not finite, naming the file and row', () => {
    // A test label of 9 in a 4-class bundle was trained and reported as an ordinary result.
    expect(() => bundleDataset(manifest, read({ 'y_test.npy': npyBytes([2], [3, 9], '<i4') }))).toThrow(
      'y_test.npy: label 9 at row 1, expected 0 … 3 (the 4 classes)',
    );
    expect(() => bundleDataset(manifest, read({ 'y_train.npy': npyBytes([6], [0, 1, 2, 3, -1, 2], '<i4') }))).toThrow(
      'y_train.npy: label -1 at row 4',
    );
    const nan = Array.from({ length: 24 }, (_, i) => (i === 7 ? NaN : 0));
    expect(() => bundleDataset(manifest, read({ 'teacher_train.npy': npyBytes([6, classes], nan) }))).toThrow(
      'teacher_train.npy: NaN at value 7, expected finite numbers',
    );
    // A float64 file where float32 is expected: says what it found.
    expect(() => bundleDataset(manifest, read({ 'x_test.npy': npyBytes([2, 2], [1, 0, 0, 1], '<f8') }))).toThrow(
      'x_test.npy: expected 4 float32 values, found 4 float64 values',
    );
  });
});
