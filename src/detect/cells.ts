// Which cells a detection loss sees (spec: Detection): every positive cell of the batch and,
// per scene, up to three background cells per positive cell, drawn without replacement from
// the scene's background cells by the run's seeded PRNG. The class and distillation losses
// all take the same cells (background included); the box loss takes the positive ones.
import type { SeededRandom } from '../data/random';
import { CELLS } from './grid';

export const NEGATIVES_PER_POSITIVE = 3;

export interface SampledCells {
  /** Row of each sampled cell in the batch's `[scenes × CELLS]` cell list, positives first within each scene. */
  rows: Int32Array;
  /** Which of `rows` are positive cells. */
  positive: Uint8Array;
  positives: number;
}

/** The cells of a batch, `classes[s][cell]` each scene's cell classes (background = `background`). */
export function sampleCells(classes: ArrayLike<number>[], background: number, random: SeededRandom): SampledCells {
  const rows: number[] = [];
  const positive: number[] = [];
  classes.forEach((cellClasses, s) => {
    const negatives: number[] = [];
    let p = 0;
    for (let cell = 0; cell < CELLS; cell++) {
      if (cellClasses[cell] === background) negatives.push(cell);
      else {
        rows.push(s * CELLS + cell);
        positive.push(1);
        p++;
      }
    }
    // A partial Fisher–Yates shuffle: the first k of a uniform permutation.
    const k = Math.min(NEGATIVES_PER_POSITIVE * p, negatives.length);
    for (let i = 0; i < k; i++) {
      const j = i + random.int(negatives.length - i);
      [negatives[i], negatives[j]] = [negatives[j], negatives[i]];
      rows.push(s * CELLS + negatives[i]);
      positive.push(0);
    }
  });
  return { rows: Int32Array.from(rows), positive: Uint8Array.from(positive), positives: positive.reduce((a, b) => a + b, 0) };
}
