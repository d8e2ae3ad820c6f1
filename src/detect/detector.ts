// The grid detectors: a scene in, the 8 × 8 grid's K + 1 logits and 4 box values per cell out
// (`[B, 8, 8, K + 5]`: logits first, background last among them, then tx, ty, tw, th), three
// 2 × 2 poolings from 64 to 8. A teacher and a small student, seeded like the zoo's models.
import * as tf from '@tensorflow/tfjs';
import { MODEL_CATALOG } from '../models/catalog';
import { CELLS } from './grid';

export const SCENE_INPUT = [64, 64, 1];
export const DETECTION_CLASSES = 10;
/** Per cell: K + 1 logits, then 4 box values. */
export const CELL_OUTPUTS = DETECTION_CLASSES + 1 + 4;

export interface DetectorSpec {
  id: string;
  role: 'teacher' | 'student';
  name: string;
  description: string;
  build: (seed: number) => tf.LayersModel;
}

const init = (seed: number, layer: number) => tf.initializers.glorotUniform({ seed: seed * 101 + layer });

function conv(filters: number, kernelSize: number, seed: number, layer: number, activation: 'relu' | 'linear' = 'relu', inputShape?: number[]) {
  return tf.layers.conv2d({
    filters,
    kernelSize,
    padding: 'same',
    activation,
    kernelInitializer: init(seed, layer),
    ...(inputShape ? { inputShape } : {}),
  });
}

const pool = () => tf.layers.maxPooling2d({ poolSize: 2 });

function gridDetector(name: string, widths: [number, number, number, number], seed: number): tf.LayersModel {
  const [a, b, c, d] = widths;
  return tf.sequential({
    name,
    layers: [
      conv(a, 3, seed, 1, 'relu', SCENE_INPUT),
      pool(),
      conv(b, 3, seed, 2),
      pool(),
      conv(c, 3, seed, 3),
      pool(),
      conv(d, 3, seed, 4),
      conv(CELL_OUTPUTS, 1, seed, 5, 'linear'),
    ],
  });
}

/** The zoo's two detectors; names, descriptions and parameter counts are the catalog's (src/models/catalog.ts). */
export const DETECTORS: readonly DetectorSpec[] = (
  [
    ['scenes-grid-teacher', 'scenes_grid_teacher', [16, 32, 64, 64]],
    ['scenes-grid-student', 'scenes_grid_student', [4, 8, 16, 16]],
  ] as const
).map(([id, layerName, widths]) => {
  const entry = MODEL_CATALOG.find((m) => m.id === id)!;
  return {
    id,
    role: entry.role,
    name: entry.name,
    description: entry.description,
    build: (seed: number) => gridDetector(layerName, [...widths], seed),
  };
});

export function detectorSpec(id: string): DetectorSpec {
  const spec = DETECTORS.find((d) => d.id === id);
  if (!spec) throw new Error(`detector = "${id}" is invalid: expected one of ${DETECTORS.map((d) => d.id).join(', ')}`);
  return spec;
}

/** A detector's output `[B, 8, 8, 15]` as the cells' logits `[B·64, K + 1]` and box values `[B·64, 4]`. */
export function cellOutputs(output: tf.Tensor4D): { logits: tf.Tensor2D; boxes: tf.Tensor2D } {
  return tf.tidy(() => {
    const rows = tf.reshape(output, [output.shape[0] * CELLS, CELL_OUTPUTS]) as tf.Tensor2D;
    const [logits, boxes] = tf.split(rows, [DETECTION_CLASSES + 1, 4], 1) as [tf.Tensor2D, tf.Tensor2D];
    return { logits, boxes };
  });
}

/**
 * The rows `rows` of `matrix`, as a product with a 0/1 selection matrix: differentiable on
 * every backend (the WASM backend has no gradient for a gather).
 */
export function selectRows(matrix: tf.Tensor2D, rows: ArrayLike<number>): tf.Tensor2D {
  const total = matrix.shape[0];
  const selection = new Float32Array(rows.length * total);
  for (let i = 0; i < rows.length; i++) {
    if (!(rows[i] >= 0 && rows[i] < total)) throw new Error(`selectRows: row ${rows[i]} is outside 0…${total - 1}`);
    selection[i * total + rows[i]] = 1;
  }
  return tf.tidy(() => tf.matMul(tf.tensor2d(selection, [rows.length, total]), matrix));
}
