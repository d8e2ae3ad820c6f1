// The grid detector's targets and outputs, on the host (no TF.js): which cell answers for
// which box, what it should predict, and the boxes its predictions decode to.
//
// A 64 × 64 scene is cut into an 8 × 8 grid of 8-pixel cells. Each cell predicts K + 1
// logits (the K digit classes, then background at index K) and 4 box values:
//   tx = cx / 8 − column, ty = cy / 8 − row        (the box centre within its cell, 0…1)
//   tw = ln(width / 16),  th = ln(height / 16)      (16 px: the reference box size)
// Assignment: a box belongs to the cell holding its centre; when two boxes' centres fall in
// one cell, the box whose centre is nearer the cell's centre takes it (then the larger, then
// the first listed) and the other has no cell: it is never learnt, and counted as a miss by
// the metric (the scenes' 0.25 IoU rule makes this rare: `assignmentConflicts` counts it).
// Every other cell is background.
import type { SceneBox } from './scenes';

export const STRIDE = 8;
export const GRID = 8;
export const CELLS = GRID * GRID;
export const REFERENCE_SIZE = 16;

export interface CellTargets {
  /** `[CELLS]` the class each cell should predict: a digit 0…K−1, or K (background). */
  classes: Int32Array;
  /** `[CELLS × 4]` (tx, ty, tw, th) of each positive cell (0 for background). */
  boxes: Float32Array;
  /** The box (its index in the scene) each cell answers for, −1 for background. */
  boxOf: Int32Array;
}

const centre = (b: SceneBox) => [b.x + b.width / 2, b.y + b.height / 2] as const;

/** The cell of a box's centre, as a flat index row · 8 + column. */
export function cellOf(b: SceneBox): number {
  const [cx, cy] = centre(b);
  const column = Math.min(GRID - 1, Math.floor(cx / STRIDE));
  const row = Math.min(GRID - 1, Math.floor(cy / STRIDE));
  return row * GRID + column;
}

/** A scene's targets for a detector of `classes` classes (background is class `classes`). */
export function cellTargets(boxes: SceneBox[], classes: number): CellTargets {
  const classesOut = new Int32Array(CELLS).fill(classes);
  const targets = new Float32Array(CELLS * 4);
  const boxOf = new Int32Array(CELLS).fill(-1);
  const distance = (b: SceneBox, cell: number) => {
    const [cx, cy] = centre(b);
    return (cx - ((cell % GRID) + 0.5) * STRIDE) ** 2 + (cy - (Math.floor(cell / GRID) + 0.5) * STRIDE) ** 2;
  };
  boxes.forEach((b, i) => {
    const cell = cellOf(b);
    const holder = boxOf[cell];
    if (holder >= 0) {
      const other = boxes[holder];
      const [dNew, dOld] = [distance(b, cell), distance(other, cell)];
      const wins = dNew < dOld || (dNew === dOld && b.width * b.height > other.width * other.height);
      if (!wins) return;
    }
    const [cx, cy] = centre(b);
    boxOf[cell] = i;
    classesOut[cell] = b.label;
    targets.set(
      [cx / STRIDE - (cell % GRID), cy / STRIDE - Math.floor(cell / GRID), Math.log(b.width / REFERENCE_SIZE), Math.log(b.height / REFERENCE_SIZE)],
      cell * 4,
    );
  });
  return { classes: classesOut, boxes: targets, boxOf };
}

/** How many boxes of these scenes lose their cell to another box. */
export function assignmentConflicts(scenes: SceneBox[][]): number {
  let lost = 0;
  for (const boxes of scenes) {
    const { boxOf } = cellTargets(boxes, 10);
    lost += boxes.length - boxOf.filter((b) => b >= 0).length;
  }
  return lost;
}

/** A cell's 4 box values decoded to [x, y, width, height] in pixels. */
export function decodeBox(cell: number, t: ArrayLike<number>, at = 0): [number, number, number, number] {
  const cx = ((cell % GRID) + t[at]) * STRIDE;
  const cy = (Math.floor(cell / GRID) + t[at + 1]) * STRIDE;
  const width = REFERENCE_SIZE * Math.exp(t[at + 2]);
  const height = REFERENCE_SIZE * Math.exp(t[at + 3]);
  return [cx - width / 2, cy - height / 2, width, height];
}
