// A teacher of one's own in the TF.js Layers format (model.json and its weight files,
// dropped together; what tensorflowjs_converter writes for a Keras model), checked against
// the local dataset before anyone trains against it.
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset';
import { argmaxRows, predictLogits } from '../models/predict';
import type { ModelArtifacts } from './local-model-files';
import { LogitsFileError } from './logits-file';

export { modelArtifacts, type ModelArtifacts } from './local-model-files';

/** Loads the model from its artifacts (on the backend in use). */
export async function loadModel(artifacts: ModelArtifacts, file = 'model.json'): Promise<tf.LayersModel> {
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs, weightData: artifacts.weightData.slice(0) }),
    );
  } catch (error) {
    throw new LogitsFileError(file, null, `could not be loaded as a TF.js Layers model: ${(error as Error).message.slice(0, 200)}`);
  }
}

/**
 * Checks a teacher against the dataset: its input is one sample's shape, its output one
 * logit per class, its last layer not a softmax (the losses take logits), and its logits on
 * the test split finite. Returns its test accuracy.
 */
export async function checkTeacherModel(
  model: tf.LayersModel,
  dataset: Dataset,
  file = 'model.json',
  onBatch?: (done: number) => void,
): Promise<number> {
  const input = model.inputs[0]?.shape.slice(1) ?? [];
  const output = model.outputs[0]?.shape ?? [];
  if (model.inputs.length !== 1 || model.outputs.length !== 1)
    throw new LogitsFileError(file, null, `${model.inputs.length} inputs and ${model.outputs.length} outputs: expected one of each`);
  if (JSON.stringify(input) !== JSON.stringify(dataset.featureShape)) {
    throw new LogitsFileError(
      file,
      null,
      `takes input of shape [${input.join(', ')}], the dataset's samples are [${dataset.featureShape.join(', ')}]${dataset.featureShape.length === 3 ? ' (height, width, channels)' : ''}`,
    );
  }
  if (output.length !== 2 || output[1] !== dataset.classNames.length) {
    throw new LogitsFileError(
      file,
      null,
      `outputs shape [${output.map((d) => d ?? 'batch').join(', ')}]: expected [batch, ${dataset.classNames.length}], one logit per class of the dataset`,
    );
  }
  const last = model.layers[model.layers.length - 1];
  if ((last.getConfig() as { activation?: string }).activation === 'softmax' || last.getClassName() === 'Softmax') {
    throw new LogitsFileError(
      file,
      null,
      `its last layer (${last.name}) is a softmax: the losses take logits; export the model without the final softmax`,
    );
  }
  // In chunks of 256, each followed by onBatch (progress, a cancel), so a running session goes on between them.
  const logits = await predictLogits(model, dataset, dataset.test, 256, onBatch);
  if (!logits.every(Number.isFinite))
    throw new LogitsFileError(
      file,
      null,
      'gives non-finite logits (NaN or ∞) on the test split: the weights are corrupt or the inputs out of its range',
    );
  return accuracyOf(logits, dataset.test.labels, dataset.classNames.length);
}

/** The share of rows whose largest logit is the label's. */
export function accuracyOf(logits: Float32Array, labels: Int32Array, classes: number): number {
  const predicted = argmaxRows(logits, classes);
  let right = 0;
  labels.forEach((label, i) => (right += predicted[i] === label ? 1 : 0));
  return labels.length ? right / labels.length : 0;
}
