import { beforeAll, describe, expect, it } from 'vitest';
import { buildMnist, readMnistPackage, type MnistBuild } from '../../scripts/lib/mnist-build';
import { buildScenes, mnistDigits, SCENE_COUNTS, type ScenesBuild } from '../../scripts/lib/scenes-build';
import { assignmentConflicts } from './grid';
import { boxIou, generateScenes, MAX_PAIR_IOU, SCENE_PIXELS, SCENE_SIZE, type SceneBox } from './scenes';
import { loadScenes } from './scenes-file';

let mnist: MnistBuild;
let built: ScenesBuild;
beforeAll(async () => {
  mnist = await buildMnist(readMnistPackage());
  built = await buildScenes(mnist.bytes, mnist.manifest);
});

/** A fetch over files in memory (a 404 for any other). */
const filesFetch = (files: Record<string, Uint8Array | string>) =>
  (async (url: string | URL | Request) => {
    const body = files[String(url)];
    return body === undefined ? new Response('', { status: 404, statusText: 'Not Found' }) : new Response(body as BodyInit);
  }) as typeof fetch;

describe('digit scenes', () => {
  it('are the same bytes on every build, and other bytes for another seed', async () => {
    const again = await buildScenes(mnist.bytes, mnist.manifest);
    expect(again.manifest.sha256).toBe(built.manifest.sha256);
    expect(Buffer.from(again.bytes).equals(Buffer.from(built.bytes))).toBe(true);
    const other = generateScenes(mnistDigits(mnist.bytes, mnist.manifest, 'train'), 50, 99);
    expect(Buffer.from(other.images).equals(Buffer.from(built.train.images.subarray(0, 50 * SCENE_PIXELS)))).toBe(false);
  });

  it('hold 1–4 digits each, 14–28 px tall, inside the scene, no two boxes at IoU 0.25 or more, with ink in every box', () => {
    for (const scenes of [built.train, built.test]) {
      const perScene = [0, 0, 0, 0];
      scenes.boxes.forEach((boxes, s) => {
        expect(boxes.length).toBeGreaterThanOrEqual(1);
        expect(boxes.length).toBeLessThanOrEqual(4);
        perScene[boxes.length - 1]++;
        for (const [i, b] of boxes.entries()) {
          expect(b.height).toBeGreaterThanOrEqual(14);
          expect(b.height).toBeLessThanOrEqual(28);
          expect(b.x >= 0 && b.y >= 0 && b.x + b.width <= SCENE_SIZE && b.y + b.height <= SCENE_SIZE).toBe(true);
          for (const other of boxes.slice(i + 1)) expect(boxIou(b, other)).toBeLessThan(MAX_PAIR_IOU);
          let ink = 0;
          for (let y = b.y; y < b.y + b.height; y++)
            for (let x = b.x; x < b.x + b.width; x++) ink = Math.max(ink, scenes.images[s * SCENE_PIXELS + y * SCENE_SIZE + x]);
          expect(ink, `scene ${s}, box ${i}`).toBeGreaterThan(100);
        }
      });
      // Every count of digits is common (the placement rarely has to leave a digit out).
      for (const n of perScene) expect(n).toBeGreaterThan(scenes.count / 6);
    }
    expect([built.train.count, built.test.count]).toEqual([SCENE_COUNTS.train, SCENE_COUNTS.test]);
  });

  it('take test scenes from the held-out test digits only, each box of its digit’s class', () => {
    const test = mnistDigits(mnist.bytes, mnist.manifest, 'test');
    const train = mnistDigits(mnist.bytes, mnist.manifest, 'train');
    built.test.sources.forEach((sources, s) => sources.forEach((source, i) => expect(built.test.boxes[s][i].label).toBe(test.labels[source])));
    // The test digits are not training digits (the MNIST split), so no test scene shows a training digit.
    const trainRows = new Set(
      Array.from({ length: train.count }, (_, i) => Buffer.from(train.pixels.subarray(i * 784, (i + 1) * 784)).toString('base64')),
    );
    for (const source of new Set(built.test.sources.flat()))
      expect(trainRows.has(Buffer.from(test.pixels.subarray(source * 784, (source + 1) * 784)).toString('base64'))).toBe(false);
  });

  it('rarely put two centres in one grid cell: under 1% of boxes lose their cell (27 of 10,055 and 9 of 2,489 as built)', () => {
    for (const scenes of [built.train, built.test]) expect(assignmentConflicts(scenes.boxes) / scenes.boxes.flat().length).toBeLessThan(0.01);
    expect(assignmentConflicts(built.train.boxes)).toBeGreaterThan(0);
  });

  it('measure IoU as area of overlap over area of union', () => {
    const box = (x: number, y: number, width: number, height: number): SceneBox => ({ label: 0, x, y, width, height });
    expect(boxIou(box(0, 0, 10, 10), box(5, 0, 10, 10))).toBeCloseTo(50 / 150, 12);
    expect(boxIou(box(0, 0, 10, 10), box(10, 0, 10, 10))).toBe(0);
    expect(boxIou(box(2, 2, 4, 4), box(0, 0, 10, 10))).toBeCloseTo(16 / 100, 12);
  });

  it('load back as built, and a truncated or corrupt file is an error naming it', async () => {
    const manifest = JSON.stringify(built.manifest);
    const site = (bin: Uint8Array) => filesFetch({ 'site/manifest.json': manifest, 'site/scenes.bin': bin });
    const loaded = await loadScenes('site/', site(built.bytes));
    expect(loaded.test.boxes).toEqual(built.test.boxes);
    expect(loaded.train.count).toBe(SCENE_COUNTS.train);
    expect(loaded.train.images[123_456]).toBeCloseTo(built.train.images[123_456] / 255, 7);
    const flipped = built.bytes.slice();
    flipped[1000] ^= 1;
    await expect(loadScenes('site/', site(flipped))).rejects.toThrow(/site\/scenes\.bin: checksum mismatch/);
    await expect(loadScenes('site/', site(built.bytes.subarray(0, 100)))).rejects.toThrow(/site\/scenes\.bin: truncated: 100 bytes/);
    await expect(loadScenes('elsewhere/', site(built.bytes))).rejects.toThrow(/elsewhere\/manifest\.json: HTTP 404/);
  });
});
