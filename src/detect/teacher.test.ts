import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDirectory } from '../test-support/static-server';
import { onWasmBackend } from '../test-support/wasm-backend';
import { loadScenes, type SceneDataset } from './scenes-file';
import { DETECTION_TEACHER_DIRECTORY, detectionTeacherMetadataSchema, loadDetectionTeacher } from './teacher';
import { evaluateDetector } from './training';

let site: Awaited<ReturnType<typeof serveDirectory>>;
let data: SceneDataset;

describe('the shipped detection teacher', () => {
  onWasmBackend();
  beforeAll(async () => {
    site = await serveDirectory('public');
    data = await loadScenes(`${site.url}data/scenes/`);
  });
  afterAll(async () => {
    await site.close();
  });

  it('loads sealed, is the teacher architecture, predicts its recorded cell classes, and has the AP its metadata says', async () => {
    const { model, metadata } = await loadDetectionTeacher(site.url, fetch, data);
    expect(metadata.modelId).toBe('scenes-grid-teacher');
    const { stats } = evaluateDetector(model, data.test);
    model.dispose();
    stats.forEach((value, i) => expect(Math.abs(value - metadata.testStats[i]), `stats[${i}]`).toBeLessThan(1e-3));
    // A teacher worth distilling: most digits found at IoU 0.5.
    expect(metadata.testStats[1]).toBeGreaterThan(0.8);
  }, 60_000);

  it('refuses a corrupt weights file and a metadata file of another format, naming the file', async () => {
    const directory = `${site.url}${DETECTION_TEACHER_DIRECTORY}`;
    const flip = (async (url: string | URL | Request) => {
      const response = await fetch(url);
      if (!String(url).endsWith('weights.bin')) return response;
      const bytes = new Uint8Array(await response.arrayBuffer());
      bytes[100] ^= 1;
      return new Response(bytes);
    }) as typeof fetch;
    await expect(loadDetectionTeacher(site.url, flip)).rejects.toThrow(
      new RegExp(`${directory}weights\\.bin: checksum mismatch`.replace(/\//g, '\\/')),
    );
    const metadata = JSON.parse(readFileSync('public/models/scenes/teacher/metadata.json', 'utf8'));
    expect(detectionTeacherMetadataSchema.safeParse({ ...metadata, testStats: [1] }).success).toBe(false);
  });
});
