// One detector's training on digit scenes, and its evaluation: the pieces a detection race
// is made of, engine-agnostic like src/train's (a ready TF.js, host arrays in and out).
import * as tf from '@tensorflow/tfjs';
import type { SeededRandom } from '../data/random';
import type { MethodConfig } from '../distill/objective';
import { sampleCells, type SampledCells } from './cells';
import { cocoEvaluate, type CocoDetection, type CocoGroundTruth, type CocoEvaluation } from './coco-eval';
import { sceneDetections } from './detections';
import { cellOutputs, DETECTION_CLASSES, selectRows } from './detector';
import { CELLS, cellTargets, type CellTargets } from './grid';
import { detectionObjective } from './objective';
import { SCENE_PIXELS } from './scenes';
import type { SceneSplit } from './scenes-file';

/** The scenes `indices` of a split as an input batch `[B, 64, 64, 1]`, with their cells' targets. */
export function sceneBatch(split: SceneSplit, indices: ArrayLike<number>): { images: tf.Tensor4D; targets: CellTargets[] } {
  const pixels = new Float32Array(indices.length * SCENE_PIXELS);
  const targets: CellTargets[] = [];
  for (let i = 0; i < indices.length; i++) {
    pixels.set(split.images.subarray(indices[i] * SCENE_PIXELS, (indices[i] + 1) * SCENE_PIXELS), i * SCENE_PIXELS);
    targets.push(cellTargets(split.boxes[indices[i]], DETECTION_CLASSES));
  }
  return { images: tf.tensor4d(pixels, [indices.length, 64, 64, 1]), targets };
}

/** Every cell's logits of `model` for a batch, `[B·64, K + 1]`, on the host (a teacher's, to distil). */
export function cellLogitsOf(model: tf.LayersModel, images: tf.Tensor4D): Float32Array {
  return tf.tidy(() => cellOutputs(model.predict(images) as tf.Tensor4D).logits.dataSync() as Float32Array);
}

/** A batch's cells for the losses (every positive, up to three background cells per positive per scene), drawn from `random`. */
export function sampleBatchCells(targets: CellTargets[], random: SeededRandom): SampledCells {
  return sampleCells(
    targets.map((t) => t.classes),
    DETECTION_CLASSES,
    random,
  );
}

/**
 * One training step of `model` on a batch: on the sampled cells `sampled` (see
 * {@link sampleBatchCells}), the method's detection loss
 * (docs/spec.md, "Detection"), one optimizer step. `teacherCells`: every cell's teacher
 * logits `[B·64 × (K + 1)]` (null for CE). Returns the loss and each term before its weight
 * (`ce`, the method's, `box`), read in one go.
 */
export function detectionStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  batch: { images: tf.Tensor4D; targets: CellTargets[] },
  method: MethodConfig,
  teacherCells: Float32Array | null,
  sampled: SampledCells,
  options: { warm?: number; activeStage?: number | null } = {},
): { loss: number; terms: Record<string, number>; stageLosses?: number[] } {
  const labels = Int32Array.from(sampled.rows, (row) => batch.targets[Math.floor(row / CELLS)].classes[row % CELLS]);
  const positiveRows = Array.from(sampled.rows).filter((_, i) => sampled.positive[i] === 1);
  const boxTargets = new Float32Array(positiveRows.length * 4);
  positiveRows.forEach((row, i) =>
    boxTargets.set(batch.targets[Math.floor(row / CELLS)].boxes.subarray((row % CELLS) * 4, (row % CELLS) * 4 + 4), i * 4),
  );
  const width = DETECTION_CLASSES + 1;
  const teacherRows = teacherCells ? new Float32Array(sampled.rows.length * width) : null;
  if (teacherCells && teacherRows)
    sampled.rows.forEach((row, i) => teacherRows.set(teacherCells.subarray(row * width, (row + 1) * width), i * width));
  const names: string[] = [];
  const values = tf.tidy(() => {
    const teacherLogits = teacherRows ? tf.tensor2d(teacherRows, [sampled.rows.length, width]) : null;
    const targets = tf.tensor2d(boxTargets, [positiveRows.length, 4]);
    let terms: tf.Scalar[] = [];
    let stages: tf.Tensor | null = null;
    const loss = optimizer.minimize(() => {
      const { logits, boxes } = cellOutputs(model.apply(batch.images, { training: true }) as tf.Tensor4D);
      const cells = {
        studentLogits: selectRows(logits, sampled.rows),
        teacherLogits,
        labels,
        studentBoxes: selectRows(boxes, positiveRows),
        boxTargets: targets,
      };
      const result = detectionObjective(method, cells, options);
      for (const [name, term] of Object.entries(result.terms)) {
        names.push(name);
        terms.push(tf.keep(term));
      }
      if (result.pcd) stages = tf.keep(result.pcd.stageLosses);
      return result.loss;
    }, true)!;
    // One read: the loss, each term, then PCD's stage losses.
    const all = tf.concat([tf.stack([loss, ...terms]), ...(stages ? [tf.reshape(stages, [-1])] : [])]);
    tf.dispose([...terms, ...(stages ? [stages] : [])]);
    terms = [];
    return all;
  });
  const read = Array.from(values.dataSync());
  values.dispose();
  const stageLosses = read.slice(1 + names.length);
  return {
    loss: read[0],
    terms: Object.fromEntries(names.map((name, i) => [name, read[1 + i]])),
    ...(stageLosses.length ? { stageLosses } : {}),
  };
}

/** A split's ground truth in COCO format (image ids 1…, category ids the digits + 1). */
export function cocoGroundTruth(split: SceneSplit, count = split.count): CocoGroundTruth {
  let id = 0;
  return {
    images: Array.from({ length: count }, (_, i) => ({ id: i + 1 })),
    categories: Array.from({ length: DETECTION_CLASSES }, (_, c) => ({ id: c + 1, name: String(c) })),
    annotations: split.boxes.slice(0, count).flatMap((boxes, s) =>
      boxes.map((b) => ({
        id: ++id,
        image_id: s + 1,
        category_id: b.label + 1,
        bbox: [b.x, b.y, b.width, b.height] as [number, number, number, number],
        area: b.width * b.height,
        iscrowd: 0 as const,
      })),
    ),
  };
}

/** COCO AP of `model` on the first `count` scenes of a split, in batches of `batchSize`. */
export function evaluateDetector(model: tf.LayersModel, split: SceneSplit, count = split.count, batchSize = 100): CocoEvaluation {
  const detections: CocoDetection[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, count - start) }, (_, i) => start + i);
    const { images } = sceneBatch(split, indices);
    const { logits, boxes } = tf.tidy(() => {
      const out = cellOutputs(model.predict(images) as tf.Tensor4D);
      return { logits: out.logits.dataSync(), boxes: out.boxes.dataSync() };
    });
    images.dispose();
    indices.forEach((s, i) => {
      for (const d of sceneDetections(logits, boxes, DETECTION_CLASSES, i * CELLS))
        detections.push({ image_id: s + 1, category_id: d.label + 1, bbox: d.box, score: d.score });
    });
  }
  return cocoEvaluate(cocoGroundTruth(split, count), detections);
}
