import type { SeededRandom } from './random';

/**
 * Shifts each `height × width` single-channel image by a random whole number of pixels in
 * −max…max along each axis, filling with 0 (black): the usual MNIST augmentation. Host-side
 * and seeded, so a run is reproducible on every backend.
 */
export function randomShift(images: Float32Array, count: number, height: number, width: number, max: number, random: SeededRandom): Float32Array {
  const out = new Float32Array(images.length);
  const size = height * width;
  for (let n = 0; n < count; n++) {
    const dy = random.int(2 * max + 1) - max;
    const dx = random.int(2 * max + 1) - max;
    for (let y = 0; y < height; y++) {
      const sy = y - dy;
      if (sy < 0 || sy >= height) continue;
      for (let x = 0; x < width; x++) {
        const sx = x - dx;
        if (sx >= 0 && sx < width) out[n * size + y * width + x] = images[n * size + sy * width + sx];
      }
    }
  }
  return out;
}
