// Digit scenes for detection: 64 × 64 grayscale images holding 1–4 MNIST digits each, 14–28
// px tall, no two boxes overlapping by IoU 0.25 or more, each with its box and class. Pure
// and seeded (plain arithmetic on integers and floats, no Math.exp or trigonometry), so a
// seed and the same digits give the same bytes in Node and in every browser.
import { SeededRandom } from '../data/random';

export const SCENE_SIZE = 64;
export const SCENE_PIXELS = SCENE_SIZE * SCENE_SIZE;
export const DIGITS_PER_SCENE = { min: 1, max: 4 } as const;
export const DIGIT_HEIGHT = { min: 14, max: 28 } as const;
/** Two boxes of a scene overlap by less than this IoU. */
export const MAX_PAIR_IOU = 0.25;
/** Placements tried for a digit before it is left out of its scene. */
const PLACEMENT_TRIES = 60;
const DIGIT_SIDE = 28;

/** A digit's box in a scene: its class and [x, y, width, height] in pixels (integers). */
export interface SceneBox {
  label: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Scenes {
  count: number;
  /** `count × 64 × 64` uint8 pixels, row-major, 0 = black. */
  images: Uint8Array;
  boxes: SceneBox[][];
  /** For each scene, the source digit (its row in the digit set) of each box. */
  sources: number[][];
}

/** The digits scenes are made of: `count × 28 × 28` uint8 pixels and their labels. */
export interface DigitSet {
  count: number;
  pixels: Uint8Array;
  labels: ArrayLike<number>;
}

/** IoU of two boxes. */
export function boxIou(a: SceneBox, b: SceneBox): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** The tight box of a digit's ink (pixels above 0): [left, top, width, height]. */
function inkBox(pixels: Uint8Array, offset: number): [number, number, number, number] {
  let [left, top, right, bottom] = [DIGIT_SIDE, DIGIT_SIDE, -1, -1];
  for (let y = 0; y < DIGIT_SIDE; y++)
    for (let x = 0; x < DIGIT_SIDE; x++)
      if (pixels[offset + y * DIGIT_SIDE + x] > 0) {
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
  if (right < 0) return [0, 0, DIGIT_SIDE, DIGIT_SIDE];
  return [left, top, right - left + 1, bottom - top + 1];
}

/** Draws the ink box of a digit resized (bilinear, pixel centres aligned) into the scene's box, keeping the brighter pixel where digits meet. */
function drawDigit(pixels: Uint8Array, offset: number, ink: [number, number, number, number], scene: Uint8Array, at: number, box: SceneBox): void {
  const [left, top, inkWidth, inkHeight] = ink;
  const sample = (x: number, y: number) =>
    pixels[offset + Math.min(DIGIT_SIDE - 1, Math.max(0, y)) * DIGIT_SIDE + Math.min(DIGIT_SIDE - 1, Math.max(0, x))];
  for (let y = 0; y < box.height; y++) {
    const sy = Math.min(inkHeight - 1, Math.max(0, ((y + 0.5) * inkHeight) / box.height - 0.5));
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    for (let x = 0; x < box.width; x++) {
      const sx = Math.min(inkWidth - 1, Math.max(0, ((x + 0.5) * inkWidth) / box.width - 0.5));
      const x0 = Math.floor(sx);
      const fx = sx - x0;
      const x1 = Math.min(x0 + 1, inkWidth - 1);
      const y1 = Math.min(y0 + 1, inkHeight - 1);
      const value =
        (1 - fy) * ((1 - fx) * sample(left + x0, top + y0) + fx * sample(left + x1, top + y0)) +
        fy * ((1 - fx) * sample(left + x0, top + y1) + fx * sample(left + x1, top + y1));
      const index = at + (box.y + y) * SCENE_SIZE + box.x + x;
      scene[index] = Math.max(scene[index], Math.round(value));
    }
  }
}

/**
 * `count` scenes from `digits`, seeded: each scene draws 1–4 digits at random (with
 * replacement across scenes), a height of 14–28 px for each (the width keeps the ink's
 * aspect, at most 64), and a position where its box overlaps every box already placed by
 * IoU < 0.25; a digit with no such position in 60 tries is left out (never the first).
 */
export function generateScenes(digits: DigitSet, count: number, seed: number): Scenes {
  if (digits.count < 1) throw new Error('generateScenes: no digits to make scenes of');
  const random = new SeededRandom(seed);
  const images = new Uint8Array(count * SCENE_PIXELS);
  const boxes: SceneBox[][] = [];
  const sources: number[][] = [];
  for (let s = 0; s < count; s++) {
    const wanted = DIGITS_PER_SCENE.min + random.int(DIGITS_PER_SCENE.max - DIGITS_PER_SCENE.min + 1);
    const placed: SceneBox[] = [];
    const from: number[] = [];
    for (let d = 0; d < wanted; d++) {
      const source = random.int(digits.count);
      const offset = source * DIGIT_SIDE * DIGIT_SIDE;
      const ink = inkBox(digits.pixels, offset);
      const height = DIGIT_HEIGHT.min + random.int(DIGIT_HEIGHT.max - DIGIT_HEIGHT.min + 1);
      const width = Math.min(SCENE_SIZE, Math.max(1, Math.round((ink[2] * height) / ink[3])));
      for (let t = 0; t < PLACEMENT_TRIES; t++) {
        const box: SceneBox = {
          label: digits.labels[source],
          x: random.int(SCENE_SIZE - width + 1),
          y: random.int(SCENE_SIZE - height + 1),
          width,
          height,
        };
        if (placed.every((other) => boxIou(box, other) < MAX_PAIR_IOU)) {
          drawDigit(digits.pixels, offset, ink, images, s * SCENE_PIXELS, box);
          placed.push(box);
          from.push(source);
          break;
        }
      }
    }
    boxes.push(placed);
    sources.push(from);
  }
  return { count, images, boxes, sources };
}
