// The digit scenes as the site ships them (`npm run data` writes public/data/scenes/): one
// deflated binary file (each split's 64 × 64 uint8 images, then each split's box table)
// described by a manifest with the file's size and SHA-256, and the loader that checks both.
import { inflateSync } from 'fflate';
import { sha256Hex } from '../data/mnist-format';
import { fetchJsonFile, fetchSiteFile, SiteFileError } from '../data/site-files';
import { z } from '../data/zod';
import { DIGITS_PER_SCENE, SCENE_PIXELS, type SceneBox } from './scenes';

export const SCENES_FORMAT = 'pcd-playground/scenes-u8-deflate@1';
/** A scene's row of the box table: its box count, then (label, x, y, width, height) for up to 4 boxes. */
export const BOX_ROW_BYTES = 1 + DIGITS_PER_SCENE.max * 5;
const REBUILD_HINT = 'run `npm run data` to build it';

const split = z.object({
  count: z.number().int().positive(),
  /** Byte offset, in the inflated bytes, of `count × 64 × 64` uint8 pixels. */
  imagesOffset: z.number().int().nonnegative(),
  /** Byte offset, in the inflated bytes, of `count` box rows. */
  boxesOffset: z.number().int().nonnegative(),
  /** Boxes of each class over the split. */
  classCounts: z.array(z.number().int().nonnegative()).length(10),
  /** Scenes holding 1, 2, 3 and 4 digits. */
  digitsPerScene: z.array(z.number().int().nonnegative()).length(DIGITS_PER_SCENE.max),
  seed: z.number().int(),
});

export const scenesManifestSchema = z.object({
  format: z.literal(SCENES_FORMAT),
  source: z.string(),
  file: z.string(),
  /** The file's size and SHA-256 (deflated). */
  bytes: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  inflatedBytes: z.number().int().positive(),
  imageShape: z.tuple([z.literal(64), z.literal(64), z.literal(1)]),
  classNames: z.array(z.string()).length(10),
  splits: z.object({ train: split, test: split }),
});

export type ScenesManifest = z.infer<typeof scenesManifestSchema>;

export interface SceneSplit {
  count: number;
  /** `count × 64 × 64` floats in [0, 1]. */
  images: Float32Array;
  boxes: SceneBox[][];
}

export interface SceneDataset {
  id: 'scenes';
  classNames: string[];
  train: SceneSplit;
  test: SceneSplit;
}

/** Writes a split's box rows into `out` at `offset`. */
export function writeBoxRows(boxes: SceneBox[][], out: Uint8Array, offset: number): void {
  boxes.forEach((scene, s) => {
    const row = offset + s * BOX_ROW_BYTES;
    out[row] = scene.length;
    scene.forEach((b, i) => out.set([b.label, b.x, b.y, b.width, b.height], row + 1 + i * 5));
  });
}

function readSplit(bytes: Uint8Array, split: ScenesManifest['splits']['train'], file: string): SceneSplit {
  const { count, imagesOffset, boxesOffset } = split;
  if (imagesOffset + count * SCENE_PIXELS > bytes.length || boxesOffset + count * BOX_ROW_BYTES > bytes.length)
    throw new SiteFileError(file, 'a split lies outside the file');
  const images = new Float32Array(count * SCENE_PIXELS);
  for (let i = 0; i < images.length; i++) images[i] = bytes[imagesOffset + i] / 255;
  const boxes: SceneBox[][] = [];
  for (let s = 0; s < count; s++) {
    const row = boxesOffset + s * BOX_ROW_BYTES;
    const n = bytes[row];
    if (n < DIGITS_PER_SCENE.min || n > DIGITS_PER_SCENE.max) throw new SiteFileError(file, `scene ${s} holds ${n} boxes, expected 1–4`);
    const scene: SceneBox[] = [];
    for (let i = 0; i < n; i++) {
      const [label, x, y, width, height] = bytes.subarray(row + 1 + i * 5, row + 6 + i * 5);
      if (label > 9 || width < 1 || height < 1 || x + width > 64 || y + height > 64)
        throw new SiteFileError(
          file,
          `scene ${s}, box ${i}: class ${label} at (${x}, ${y}) of ${width} × ${height} does not fit a 64 × 64 scene of digits 0…9`,
        );
      scene.push({ label, x, y, width, height });
    }
    boxes.push(scene);
  }
  return { count, images, boxes };
}

/** Loads the digit scenes the site ships, checking the file's size and SHA-256 (an error names the file and the fault). */
export async function loadScenes(baseUrl: string, fetchFn: typeof fetch = fetch): Promise<SceneDataset> {
  const manifest = await fetchJsonFile(`${baseUrl}manifest.json`, scenesManifestSchema, fetchFn, REBUILD_HINT);
  const url = `${baseUrl}${manifest.file}`;
  const deflated = new Uint8Array(await (await fetchSiteFile(url, fetchFn, REBUILD_HINT)).arrayBuffer());
  if (deflated.length !== manifest.bytes)
    throw new SiteFileError(
      url,
      `${deflated.length < manifest.bytes ? 'truncated' : 'too long'}: ${deflated.length} bytes, the manifest says ${manifest.bytes}`,
    );
  const digest = await sha256Hex(deflated);
  if (digest !== manifest.sha256)
    throw new SiteFileError(
      url,
      `checksum mismatch: SHA-256 ${digest}, the manifest says ${manifest.sha256} (corrupt file; rebuild with \`npm run data\`)`,
    );
  const bytes = inflateSync(deflated);
  if (bytes.length !== manifest.inflatedBytes)
    throw new SiteFileError(url, `inflates to ${bytes.length} bytes, the manifest says ${manifest.inflatedBytes}`);
  return {
    id: 'scenes',
    classNames: manifest.classNames,
    train: readSplit(bytes, manifest.splits.train, url),
    test: readSplit(bytes, manifest.splits.test, url),
  };
}
