import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { generateSynthetic100 } from '../data/synthetic';
import { METHOD_DEFAULTS } from '../distill/methods';
import { modelSpec } from '../models/zoo';
import { selectBackend } from '../tf/backends';
import { defaultTrainerConfig } from '../train/config';
import { parseManifest } from './bundle';
import { npyBytes, readNpyArray } from './npy';
import { MAX_ZIP_SAMPLE_BYTES, reproductionZip } from './zip';

describe('the page’s reproduction .zip', () => {
  const config = { ...defaultTrainerConfig('synthetic100'), trainSubset: 48, batchSize: 16, budget: { unit: 'steps' as const, amount: 5 } };
  const runs = [
    { id: 'kd', method: METHOD_DEFAULTS.kd },
    { id: 'pcd', method: METHOD_DEFAULTS.pcd },
  ];

  it('holds the bundle under one folder: run.json, the arrays, the weights, the script', async () => {
    await selectBackend(['cpu']);
    const dataset = generateSynthetic100({ trainCount: 64, testCount: 16 });
    const teacher = modelSpec('synthetic-mlp-teacher').build(1);
    try {
      const zip = await reproductionZip(
        {
          config,
          compare: ['kd'],
          runs,
          dataset,
          teacher,
          students: () => [],
          evaluations: [],
          backend: 'cpu',
          createdBy: 'test',
          script: '# script\n',
        },
        'my-run',
      );
      const files = unzipSync(zip);
      const names = Object.keys(files).sort();
      expect(names.every((n) => n.startsWith('my-run/'))).toBe(true);
      expect(names).toEqual(
        ['README.txt', 'init-seed1.npy', 'order-seed1.npy', 'reproduce.py', 'run.json', 'teacher_test.npy', 'teacher_train.npy']
          .concat(['x_test.npy', 'x_train.npy', 'y_test.npy', 'y_train.npy'])
          .map((n) => `my-run/${n}`)
          .sort(),
      );
      const manifest = parseManifest('run.json', new TextDecoder().decode(files['my-run/run.json']));
      expect(manifest.runs).toEqual(runs);
      expect(manifest.steps).toEqual({ perEpoch: 3, total: 5, batchSize: 16 });
      // Two epochs of 48 of the 64 training rows, each row once an epoch.
      const order = readNpyArray('order', files['my-run/order-seed1.npy']);
      expect(order.shape).toEqual([2, 48]);
      expect(new Set(order.data.subarray(0, 48)).size).toBe(48);
      expect(readNpyArray('x', files['my-run/x_train.npy']).shape).toEqual([64, 32]);
      expect(readNpyArray('t', files['my-run/teacher_test.npy']).shape).toEqual([16, 100]);
      expect(new TextDecoder().decode(files['my-run/reproduce.py'])).toBe('# script\n');
    } finally {
      teacher.dispose();
    }
  });

  it('refuses a dataset too large to zip in memory, with its size, before building anything', async () => {
    const dataset = generateSynthetic100({ trainCount: 8, testCount: 4 });
    // As many samples as a large image dataset has, as counts (no array is read before the check).
    const huge = { ...dataset, featureShape: [64, 64, 3], train: { ...dataset.train, count: 20_000 } };
    expect((20_004 * 64 * 64 * 3 * 4) / MAX_ZIP_SAMPLE_BYTES).toBeGreaterThan(1);
    await expect(
      reproductionZip(
        {
          config,
          compare: [],
          runs,
          dataset: huge,
          teacher: null,
          students: () => [],
          evaluations: [],
          backend: 'cpu',
          createdBy: 'test',
          script: '',
        },
        'x',
      ),
    ).rejects.toThrow(/the samples are 937\.7 MB as \.npy, more than a \.zip the page builds in memory \(512\.0 MB\)/);
  });
});

describe('.npy files', () => {
  it('reads one from a Node Buffer, a view into a larger pool, and writes uint8 grey levels', () => {
    const bytes = npyBytes([2, 2], [1, 2, 3, 4]);
    // A small Buffer is a slice of Node's shared pool: its .buffer starts elsewhere.
    const pooled = Buffer.from(bytes);
    expect(pooled.byteOffset === 0 && pooled.buffer.byteLength === pooled.length).toBe(false);
    expect(Array.from(readNpyArray('x.npy', pooled).data)).toEqual([1, 2, 3, 4]);
    const grey = npyBytes([3], [0, 128, 255], '|u1');
    expect(new TextDecoder().decode(grey.subarray(10, 60))).toContain("'descr': '|u1'");
    expect(Array.from(grey.subarray(grey.length - 3))).toEqual([0, 128, 255]);
  });
});
