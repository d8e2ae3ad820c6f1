// A trainer's state as plain arrays, to go on from a step elsewhere (another backend after a
// lost WebGPU device), and a student as the files of the TF.js Layers format.
import * as tf from '@tensorflow/tfjs';
import { adamPowers } from '../tf/optimizer-internals';
import type { MethodConfig } from '../distill/objective';
import type { StudentExport } from './reports';

/** Plain-data copy of a tensor: survives the backend it came from. */
export interface SavedTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * Everything a trainer needs to go on from a step, as plain arrays: each run's weights
 * and optimizer state, the data order and the random state. Restoring it on another
 * backend (after a lost WebGPU device) continues the same run.
 */
export interface TrainerSnapshot {
  step: number;
  order: number[];
  random: { state: number; spareNormal: number | null };
  baseLearningRate: number;
  runs: { id: string; method: MethodConfig; weights: SavedTensor[]; optimizer: SavedTensor[] }[];
}

/** A student and its optimizer: what a snapshot saves of each run. */
export interface TrainedRun {
  id: string;
  method: MethodConfig;
  student: tf.LayersModel;
  optimizer: tf.Optimizer;
}

const ADAM_POWER = 'adam-power:';

/** Adam's running products β1^t and β2^t, which getWeights() leaves out. */
function savedAdamPowers(optimizer: tf.Optimizer): { name: string; tensor: tf.Tensor }[] {
  const powers = optimizer instanceof tf.AdamOptimizer ? adamPowers(optimizer) : null;
  if (!powers) return [];
  return [
    { name: `${ADAM_POWER}beta1`, tensor: powers[0] },
    { name: `${ADAM_POWER}beta2`, tensor: powers[1] },
  ];
}

/**
 * The values of several tensors with one read-back (one concat, one read: on a GPU each read
 * waits for the queue to drain), as float32, in order.
 */
export async function readTogether(tensors: tf.Tensor[]): Promise<Float32Array[]> {
  if (tensors.length === 0) return [];
  const flat = tf.tidy(() => tf.concat(tensors.map((t) => tf.reshape(t.dtype === 'float32' ? t : tf.cast(t, 'float32'), [-1]))));
  const all = (await flat.data()) as Float32Array;
  flat.dispose();
  let offset = 0;
  return tensors.map((t) => all.subarray(offset, (offset += t.size)));
}

/** Every run's weights and optimizer state in one read. */
export async function saveRuns(runs: readonly TrainedRun[]): Promise<TrainerSnapshot['runs']> {
  const parts: { weights: { name: string; tensor: tf.Tensor }[]; optimizer: { name: string; tensor: tf.Tensor }[]; counter?: tf.Tensor }[] = [];
  for (const run of runs) {
    // getWeights() = [the iteration count (a new scalar), ...the optimizer's own variables].
    const slots = await run.optimizer.getWeights();
    parts.push({
      weights: run.student.weights.map((w) => ({ name: w.name, tensor: w.read() })),
      optimizer: [...slots, ...savedAdamPowers(run.optimizer)],
      counter: slots[0]?.tensor,
    });
  }
  let saved: SavedTensor[];
  try {
    const named = parts.flatMap((p) => [...p.weights, ...p.optimizer]);
    const values = await readTogether(named.map((n) => n.tensor));
    // Copies: the read-back's buffer is shared by every view of it.
    saved = named.map(({ name, tensor }, i) => ({ name, shape: tensor.shape.slice(), values: values[i].slice() }));
  } finally {
    tf.dispose(parts.flatMap((p) => (p.counter ? [p.counter] : [])));
  }
  return runs.map((run, i) => ({
    id: run.id,
    method: run.method,
    weights: saved.splice(0, parts[i].weights.length),
    optimizer: saved.splice(0, parts[i].optimizer.length),
  }));
}

/** Puts saved weights and optimizer state into the runs (the same ids, in the same order), and their methods as saved. */
export async function restoreRuns(runs: TrainedRun[], saved: TrainerSnapshot['runs']): Promise<void> {
  const ids = runs.map((r) => r.id).join(',');
  if (saved.map((r) => r.id).join(',') !== ids) throw new Error(`snapshot runs ${saved.map((r) => r.id)} do not match ${ids}`);
  for (const [i, run] of runs.entries()) {
    const state = saved[i];
    const weights = state.weights.map((w) => tf.tensor(w.values, w.shape));
    run.student.setWeights(weights);
    tf.dispose(weights);
    if (state.optimizer.length) {
      // Iteration count first, then the slots in the order getWeights gave them.
      const powers = state.optimizer.filter((w) => w.name.startsWith(ADAM_POWER));
      const named = state.optimizer.filter((w) => !powers.includes(w)).map((w) => ({ name: w.name, tensor: tf.tensor(w.values, w.shape) }));
      await run.optimizer.setWeights(named);
      tf.dispose(named.map((n) => n.tensor)); // the new variables keep their own reference
      // setWeights recomputes β^t with pow; the running product differs in the last bit.
      for (const { name, tensor } of savedAdamPowers(run.optimizer)) {
        const value = powers.find((p) => p.name === name);
        if (value) (tensor as tf.Variable).assign(tf.tensor(value.values, value.shape));
      }
    }
    run.method = state.method;
  }
}

/**
 * A student in the TF.js Layers format, as plain data: `model.json`'s topology and weight
 * specs, and the weights file's bytes (what `tf.loadLayersModel` reads back).
 */
export async function exportModel(model: tf.LayersModel): Promise<StudentExport> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const artifacts = saved as unknown as tf.io.ModelArtifacts;
  return {
    modelTopology: artifacts.modelTopology as object,
    weightSpecs: artifacts.weightSpecs!,
    weightData: tf.io.CompositeArrayBuffer.join(artifacts.weightData!),
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
  };
}
