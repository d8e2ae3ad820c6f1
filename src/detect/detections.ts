// From a grid detector's outputs to scored boxes, as Faster R-CNN's box head does it: each
// cell's softmax over K + 1 classes; for every digit class a cell scores at least
// MIN_SCORE, a detection of that class with that score and the cell's box; per-class
// non-maximum suppression at IoU 0.5; the 100 best of the scene.
import { boxIou } from './coco-eval';
import { CELLS, decodeBox } from './grid';

export const MIN_SCORE = 0.05;
export const NMS_IOU = 0.5;
export const MAX_DETECTIONS = 100;

export interface Detection {
  label: number;
  score: number;
  /** [x, y, width, height] in pixels. */
  box: [number, number, number, number];
}

/** Greedy NMS: by score (ties: the earlier), each kept box removes the later ones overlapping it by IoU > `threshold`. */
export function nonMaximumSuppression(detections: Detection[], threshold = NMS_IOU): Detection[] {
  const order = detections.map((_, i) => i).sort((a, b) => detections[b].score - detections[a].score || a - b);
  const kept: Detection[] = [];
  for (const i of order) if (kept.every((k) => boxIou(k.box, detections[i].box, false) <= threshold)) kept.push(detections[i]);
  return kept;
}

/**
 * A scene's detections from its cells' logits (`[CELLS × (K + 1)]`, background last) and
 * box values (`[CELLS × 4]`), `at` the scene's first cell in both arrays.
 */
export function sceneDetections(logits: ArrayLike<number>, boxes: ArrayLike<number>, classes: number, at = 0): Detection[] {
  const width = classes + 1;
  const perClass: Detection[][] = Array.from({ length: classes }, () => []);
  for (let cell = 0; cell < CELLS; cell++) {
    const row = (at + cell) * width;
    let max = -Infinity;
    for (let c = 0; c < width; c++) max = Math.max(max, logits[row + c]);
    let sum = 0;
    for (let c = 0; c < width; c++) sum += Math.exp(logits[row + c] - max);
    for (let c = 0; c < classes; c++) {
      const score = Math.exp(logits[row + c] - max) / sum;
      if (score >= MIN_SCORE) perClass[c].push({ label: c, score, box: decodeBox(cell, boxes, (at + cell) * 4) });
    }
  }
  return perClass
    .flatMap((list) => nonMaximumSuppression(list))
    .sort((a, b) => b.score - a.score)
    .slice(0, MAX_DETECTIONS);
}
