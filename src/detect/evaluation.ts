// COCO AP of a detector on a chosen list of scenes, the race's evaluation (src/detect/race.ts).
// training.ts's evaluateDetector scores a split's first scenes in one go; the race's tests
// check this one against it.
import * as tf from '@tensorflow/tfjs';
import { cocoEvaluate, type CocoDetection } from './coco-eval';
import { sceneDetections } from './detections';
import { cellOutputs, DETECTION_CLASSES } from './detector';
import { CELLS } from './grid';
import type { SceneSplit } from './scenes-file';
import { cocoGroundTruth, sceneBatch } from './training';

/** Scenes predicted per batch in an evaluation (a pause is checked between batches). */
export const EVALUATION_BATCH = 100;

/**
 * COCO AP of `model` on the scenes `indices` of a split (image ids 1… in that order), each
 * digit's AP, and the mean cross-entropy of every cell; `progress` after each batch.
 */
export async function scoreScenes(
  model: tf.LayersModel,
  split: SceneSplit,
  indices: number[],
  progress: (scenes: number) => Promise<void> = async () => undefined,
): Promise<{ stats: number[]; perClassAp: number[]; cellLoss: number }> {
  const detections: CocoDetection[] = [];
  let lossSum = 0;
  for (let start = 0; start < indices.length; start += EVALUATION_BATCH) {
    const chunk = indices.slice(start, start + EVALUATION_BATCH);
    const batch = sceneBatch(split, chunk);
    const { logits, boxes } = tf.tidy(() => {
      const out = cellOutputs(model.predict(batch.images) as tf.Tensor4D);
      return { logits: out.logits.dataSync(), boxes: out.boxes.dataSync() };
    });
    batch.images.dispose();
    const width = DETECTION_CLASSES + 1;
    chunk.forEach((_, i) => {
      for (let cell = 0; cell < CELLS; cell++) {
        const row = (i * CELLS + cell) * width;
        let max = -Infinity;
        for (let c = 0; c < width; c++) max = Math.max(max, logits[row + c]);
        let sum = 0;
        for (let c = 0; c < width; c++) sum += Math.exp(logits[row + c] - max);
        lossSum += Math.log(sum) + max - logits[row + batch.targets[i].classes[cell]];
      }
      for (const d of sceneDetections(logits, boxes, DETECTION_CLASSES, i * CELLS))
        detections.push({ image_id: start + i + 1, category_id: d.label + 1, bbox: d.box, score: d.score });
    });
    await progress(chunk.length);
  }
  const truth = cocoGroundTruth({ ...split, count: indices.length, boxes: indices.map((i) => split.boxes[i]) }, indices.length);
  const { stats, perCategory } = cocoEvaluate(truth, detections);
  return { stats, perClassAp: perCategory.map((c) => c.ap), cellLoss: lossSum / (indices.length * CELLS) };
}
