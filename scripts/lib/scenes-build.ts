// Builds the digit scenes (src/detect/scenes.ts) from the built MNIST files: training scenes
// from the training digits only, test scenes from the held-out test digits only; one
// deflated file and its manifest, the same bytes on every build.
import { deflateSync } from 'fflate';
import { sha256Hex, type MnistManifest } from '../../src/data/mnist-format';
import { generateScenes, SCENE_PIXELS, type DigitSet, type Scenes } from '../../src/detect/scenes';
import { BOX_ROW_BYTES, SCENES_FORMAT, writeBoxRows, type ScenesManifest } from '../../src/detect/scenes-file';

export const SCENE_COUNTS = { train: 4000, test: 1000 } as const;
export const SCENE_SEEDS = { train: 20_261_206, test: 20_261_207 } as const;

export interface ScenesBuild {
  bytes: Uint8Array;
  manifest: ScenesManifest;
  train: Scenes;
  test: Scenes;
}

/** The digits of one split of the built MNIST file. */
export function mnistDigits(bin: Uint8Array, manifest: MnistManifest, which: 'train' | 'test'): DigitSet {
  const { count, imagesOffset, labelsOffset } = manifest.splits[which];
  return { count, pixels: bin.subarray(imagesOffset, imagesOffset + count * 784), labels: bin.subarray(labelsOffset, labelsOffset + count) };
}

export async function buildScenes(mnistBin: Uint8Array, mnist: MnistManifest): Promise<ScenesBuild> {
  const train = generateScenes(mnistDigits(mnistBin, mnist, 'train'), SCENE_COUNTS.train, SCENE_SEEDS.train);
  const test = generateScenes(mnistDigits(mnistBin, mnist, 'test'), SCENE_COUNTS.test, SCENE_SEEDS.test);
  const layout = {
    train: { imagesOffset: 0, boxesOffset: (train.count + test.count) * SCENE_PIXELS },
    test: { imagesOffset: train.count * SCENE_PIXELS, boxesOffset: (train.count + test.count) * SCENE_PIXELS + train.count * BOX_ROW_BYTES },
  };
  const raw = new Uint8Array((train.count + test.count) * (SCENE_PIXELS + BOX_ROW_BYTES));
  raw.set(train.images, layout.train.imagesOffset);
  raw.set(test.images, layout.test.imagesOffset);
  writeBoxRows(train.boxes, raw, layout.train.boxesOffset);
  writeBoxRows(test.boxes, raw, layout.test.boxesOffset);
  const bytes = deflateSync(raw, { level: 9 });
  const facts = (scenes: Scenes, seed: number) => {
    const classCounts = new Array<number>(10).fill(0);
    const digitsPerScene = new Array<number>(4).fill(0);
    for (const scene of scenes.boxes) {
      digitsPerScene[scene.length - 1]++;
      for (const box of scene) classCounts[box.label]++;
    }
    return { count: scenes.count, classCounts, digitsPerScene, seed };
  };
  const manifest: ScenesManifest = {
    format: SCENES_FORMAT,
    source: `the digits of data/mnist/mnist.bin (SHA-256 ${mnist.sha256}): training scenes from its training split, test scenes from its test split`,
    file: 'scenes.bin',
    bytes: bytes.length,
    sha256: await sha256Hex(bytes),
    inflatedBytes: raw.length,
    imageShape: [64, 64, 1],
    classNames: mnist.classNames,
    splits: { train: { ...layout.train, ...facts(train, SCENE_SEEDS.train) }, test: { ...layout.test, ...facts(test, SCENE_SEEDS.test) } },
  };
  return { bytes, manifest, train, test };
}
