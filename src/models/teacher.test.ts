import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Dataset, DatasetId } from '../data/dataset';
import { DATASET_IDS, loadDataset } from '../data/load';
import { serveDirectory } from '../test-support/static-server';
import { selectBackend } from '../tf/backends';
import { argmaxRows, predictLogits } from './predict';
import { fileSeals, loadTeacher, teacherDirectory } from './teacher';
import { loadEvictingBadFiles } from '../data/site-files';
import { modelSpec } from './zoo';

let site: { url: string; close: () => Promise<void> };
beforeAll(async () => {
  await selectBackend(['cpu']);
  site = await serveDirectory('public');
});
afterAll(() => site.close());

describe('the committed teachers', () => {
  it.each(DATASET_IDS)('%s: loads through the app code and classifies the first test samples as its metadata says', async (dataset) => {
    expect(existsSync(join('public', teacherDirectory(dataset), 'model.json'))).toBe(true);
    const data = await loadDataset(dataset, site.url);
    const { model, metadata } = await loadTeacher(dataset, site.url, fetch, data);
    const probe = metadata.probe.firstTestSamples;
    const firstSamples = {
      ...data.test,
      count: probe,
      features: data.test.features.subarray(0, probe * (data.test.features.length / data.test.count)),
    };
    const predictions = argmaxRows(await predictLogits(model, data, firstSamples), data.classNames.length);
    expect(Array.from(predictions)).toEqual(metadata.probe.predictions);
    // Sanity: a teacher worth distilling from gets most of these right.
    const correct = predictions.filter((p, i) => p === data.test.labels[i]).length;
    expect(correct / probe).toBeGreaterThanOrEqual(0.5);
    expect(model.countParams()).toBe(metadata.parameterCount);
    model.dispose();
  });
});

describe('bad teacher files get a clear error naming the file and the fault', () => {
  let dir: string;
  let server: { url: string; close: () => Promise<void> };
  let data: Dataset;
  const teacherFile = (dataset: DatasetId, name: string) => join(dir, teacherDirectory(dataset), name);
  const fresh = () => {
    rmSync(join(dir, 'models'), { recursive: true, force: true });
    cpSync(join('public', teacherDirectory('synthetic100')), join(dir, teacherDirectory('synthetic100')), { recursive: true });
  };
  /** Rewrites the metadata's seals, as someone who replaced the files would. */
  const reseal = async (dataset: DatasetId) => {
    const metadata = JSON.parse(readFileSync(teacherFile(dataset, 'metadata.json'), 'utf8'));
    metadata.files = await fileSeals({
      'model.json': readFileSync(teacherFile(dataset, 'model.json')),
      'weights.bin': readFileSync(teacherFile(dataset, 'weights.bin')),
    });
    writeFileSync(teacherFile(dataset, 'metadata.json'), JSON.stringify(metadata));
  };
  const weights = () => new Float32Array(new Uint8Array(readFileSync(teacherFile('synthetic100', 'weights.bin'))).buffer);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'teachers-'));
    server = await serveDirectory(dir);
    data = await loadDataset('synthetic100', site.url);
  });
  beforeEach(fresh);
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true });
  });

  it('metadata of the other dataset', async () => {
    cpSync(join('public', teacherDirectory('synthetic100')), join(dir, teacherDirectory('mnist')), { recursive: true });
    await expect(loadTeacher('mnist', server.url)).rejects.toThrow(
      /models\/mnist\/teacher\/metadata\.json: describes the synthetic100 teacher, not the mnist one/,
    );
  });

  it('a model file that does not match the architecture', async () => {
    cpSync(join('public', teacherDirectory('synthetic100')), join(dir, teacherDirectory('mnist')), { recursive: true });
    const metadata = JSON.parse(readFileSync(teacherFile('mnist', 'metadata.json'), 'utf8'));
    writeFileSync(teacherFile('mnist', 'metadata.json'), JSON.stringify({ ...metadata, dataset: 'mnist' }));
    await expect(loadTeacher('mnist', server.url)).rejects.toThrow(
      /models\/mnist\/teacher\/model\.json: does not match the architecture mnist-cnn-teacher/,
    );
  });

  it('missing, truncated or corrupted weights', async () => {
    const file = teacherFile('synthetic100', 'weights.bin');
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length / 2));
    await expect(loadTeacher('synthetic100', server.url)).rejects.toThrow(/teacher\/weights\.bin: truncated: 199,880 bytes, expected 399,760$/);
    const random = new Uint8Array(bytes.length).map((_, i) => (i * 2654435761) >>> 24);
    writeFileSync(file, random);
    await expect(loadTeacher('synthetic100', server.url)).rejects.toThrow(
      /teacher\/weights\.bin: checksum mismatch: SHA-256 [0-9a-f]{64}, metadata\.json says/,
    );
    rmSync(file);
    await expect(loadTeacher('synthetic100', server.url)).rejects.toThrow(/teacher\/weights\.bin: HTTP 404/);
  });

  it('weights replaced and re-sealed: NaN, huge values or another model fail the recorded predictions', async () => {
    const file = teacherFile('synthetic100', 'weights.bin');
    writeFileSync(file, Buffer.from(new Float32Array(weights().length).fill(Number.NaN).buffer));
    await reseal('synthetic100');
    await expect(loadTeacher('synthetic100', server.url, fetch, data)).rejects.toThrow(/teacher\/weights\.bin: gives non-finite logits \(NaN or ∞\)/);
    writeFileSync(file, Buffer.from(weights().map((w, i) => (i % 7 === 0 ? 1e30 : w)).buffer));
    await reseal('synthetic100');
    await expect(loadTeacher('synthetic100', server.url, fetch, data)).rejects.toThrow(
      /teacher\/weights\.bin: (gives non-finite logits|predicts class \d+ for test sample \d+, metadata\.json recorded \d+)/,
    );
    const other = modelSpec('synthetic-mlp-teacher').build(5);
    const values = other.getWeights().map((w) => w.dataSync());
    other.dispose();
    writeFileSync(file, Buffer.concat(values.map((v) => Buffer.from(new Float32Array(v).buffer))));
    await reseal('synthetic100');
    await expect(loadTeacher('synthetic100', server.url, fetch, data)).rejects.toThrow(
      /predicts class \d+ for test sample \d+, metadata\.json recorded \d+: these weights are not the trained teacher's/,
    );
  });

  it('missing metadata', async () => {
    rmSync(teacherFile('synthetic100', 'metadata.json'));
    await expect(loadTeacher('synthetic100', server.url)).rejects.toThrow(/models\/synthetic100\/teacher\/metadata\.json: HTTP 404/);
  });

  it('leaves no tensors behind when it refuses a model', async () => {
    writeFileSync(teacherFile('synthetic100', 'weights.bin'), Buffer.from(new Float32Array(weights().length).fill(Number.NaN).buffer));
    await reseal('synthetic100');
    const before = tf.memory().numTensors;
    await expect(loadTeacher('synthetic100', server.url, fetch, data)).rejects.toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('a bad copy kept by a cache (the service worker’s) is evicted and fetched again', () => {
  /**
   * The service worker's CacheFirst, in miniature: a cache that serves its copy of a URL on every
   * fetch, unless the fetch asks past the caches (`cache: 'reload'`); misses go to the network
   * (the test's static server) and are kept. `keep` seeds it with bad copies.
   */
  const cachedFetch = (keep: Record<string, Uint8Array | string>) => {
    const cache = new Map<string, Uint8Array | string>(Object.entries(keep));
    const fetchFn: typeof fetch = async (input, init) => {
      const url = String(input);
      if (init?.cache !== 'reload' && cache.has(url)) return new Response(cache.get(url)! as BodyInit, { status: 200 });
      const response = await fetch(url);
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (response.ok) cache.set(url, bytes);
      return new Response(bytes, { status: response.status });
    };
    const storage = {
      keys: async () => ['pcd-site-files-x'],
      open: async () => ({ delete: async (url: string) => cache.delete(url) }) as unknown as Cache,
    };
    return { fetchFn, storage, cache };
  };

  it('a flipped byte in the cached weights.bin: "checksum mismatch" once, then the network’s copy, kept', async () => {
    const directory = `${site.url}${teacherDirectory('synthetic100')}`;
    const weights = `${directory}weights.bin`;
    const flipped = new Uint8Array(readFileSync(join('public', teacherDirectory('synthetic100'), 'weights.bin')));
    flipped[100] ^= 0xff;
    const data = await loadDataset('synthetic100', site.url);
    const { fetchFn, storage, cache } = cachedFetch({ [weights]: flipped });
    // Before: every load failed on the kept copy, visit after visit.
    await expect(loadTeacher('synthetic100', site.url, fetchFn, data)).rejects.toThrow(/weights\.bin: checksum mismatch/);
    const { model } = await loadEvictingBadFiles((f) => loadTeacher('synthetic100', site.url, f, data), fetchFn, storage);
    expect(model.countParams()).toBeGreaterThan(0);
    model.dispose();
    expect(cache.get(weights)).not.toEqual(flipped); // the good copy replaced it
    await loadTeacher('synthetic100', site.url, fetchFn, data).then(({ model: again }) => again.dispose()); // and serves from now on
  });

  it('a captive portal’s HTML kept as manifest.json: fetched again once signed in; still bad, it says so; offline, nothing is evicted', async () => {
    const manifest = `${site.url}data/mnist/manifest.json`;
    const portal = '<!doctype html><title>Sign in to the hall Wi-Fi</title>';
    const { fetchFn, storage } = cachedFetch({ [manifest]: portal });
    const data = await loadEvictingBadFiles((f) => loadDataset('mnist', site.url, f), fetchFn, storage);
    expect(data.train.count).toBeGreaterThan(0);
    // The network still answers with the portal: the error says the file was fetched again.
    const stillPortal: typeof fetch = async (input, init) =>
      String(input) === manifest ? new Response(portal, { status: 200 }) : fetch(String(input), init);
    await expect(loadEvictingBadFiles((f) => loadDataset('mnist', site.url, f), stillPortal, storage)).rejects.toThrow(
      `${manifest}: is not valid JSON (fetched again past the caches)`,
    );
    // Offline (the file cannot be had at all): the cache is the only copy, and it stays.
    const deleted: string[] = [];
    const watched = { keys: async () => ['c'], open: async () => ({ delete: async (url: string) => deleted.push(url) }) as unknown as Cache };
    const offline: typeof fetch = async () => {
      throw new TypeError('Failed to fetch');
    };
    await expect(loadEvictingBadFiles((f) => loadDataset('mnist', site.url, f), offline, watched)).rejects.toThrow(/could not be fetched/);
    expect(deleted).toEqual([]);
  });
});
