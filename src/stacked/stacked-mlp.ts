// Several MLP students of one architecture as one computation: each weight of every run stacked
// along a leading run axis (a kernel `[R, in, out]`, a bias `[R, out]`), one batched matMul
// chain for all of them, and one optimizer over the stacked weights. Adam and momentum act
// element by element, so one optimizer over the stack is R optimizers, one per run, with the
// same learning rate. The number of kernel dispatches per step no longer grows with R.
import * as tf from '@tensorflow/tfjs';
import { adamPowers, isMomentum, iterationsOf, momentSlots, setLearningRate } from '../tf/optimizer-internals';

/** One dense layer of the shared architecture. */
interface DenseSpec {
  activation: 'relu' | 'linear';
  /** Indices of its kernel and bias in `model.weights`. */
  kernel: number;
  bias: number;
}

/** A run's optimizer state in the per-run format (`Optimizer.getWeights` plus Adam's running powers), as plain arrays. */
export interface SavedSlot {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** How the stack's optimizer is made: Adam, or SGD with momentum. */
export type StackOptimizer = { kind: 'adam'; learningRate: number } | { kind: 'sgd'; learningRate: number; momentum: number };

/** Adam's running products β1^t, β2^t as the per-run format names them (trainer-state.ts reads the same names). */
export const ADAM_POWER = 'adam-power:';

/**
 * The dense layers of a model made only of an input, flattens and dense layers with a ReLU or
 * no activation (every MLP student of the zoo and of one's own data); null for any other model
 * (a CNN: its runs train one by one).
 */
export function denseLayers(model: tf.LayersModel): DenseSpec[] | null {
  const specs: DenseSpec[] = [];
  let index = 0;
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (kind === 'Flatten' || kind === 'InputLayer') continue;
    if (kind !== 'Dense') return null;
    const config = layer.getConfig() as { activation?: string; useBias?: boolean };
    if ((config.activation !== 'relu' && config.activation !== 'linear') || config.useBias === false || layer.weights.length !== 2) return null;
    specs.push({ activation: config.activation, kernel: index, bias: index + 1 });
    index += 2;
  }
  return specs.length && index === model.weights.length ? specs : null;
}

/**
 * R students of one MLP architecture, stacked. Built from the runs' models and their
 * optimizers' state; trained by {@link step}; the models get the stack's weights back with
 * {@link writeBack}, and a run's optimizer state reads out with {@link optimizerState}.
 */
export class StackedMlp {
  readonly runs: number;
  /** The stacked weights, in the order of `model.weights` of one run. */
  readonly weights: tf.Variable[];
  private readonly layers: DenseSpec[];
  private readonly names: string[];
  private readonly inputSize: number;
  readonly optimizer: tf.Optimizer;

  private constructor(models: readonly tf.LayersModel[], layers: DenseSpec[], optimizer: StackOptimizer) {
    this.runs = models.length;
    this.layers = layers;
    this.names = models[0].weights.map((w) => w.name);
    this.inputSize = models[0].weights[layers[0].kernel].shape[0]!;
    this.weights = this.names.map((_, i) => {
      const stacked = tf.stack(models.map((m) => m.weights[i].read()));
      const variable = tf.variable(stacked, true);
      stacked.dispose(); // the variable holds its own reference to the values
      return variable;
    });
    this.optimizer =
      optimizer.kind === 'adam' ? tf.train.adam(optimizer.learningRate) : tf.train.momentum(optimizer.learningRate, optimizer.momentum);
  }

  /**
   * The stack of `models` (one architecture, see {@link denseLayers}) and of their optimizers'
   * state (none yet, or as a restored snapshot left it); null when they cannot be stacked.
   */
  static async build(models: readonly tf.LayersModel[], optimizers: readonly tf.Optimizer[], optimizer: StackOptimizer): Promise<StackedMlp | null> {
    const layers = denseLayers(models[0]);
    if (!layers) return null;
    const shapes = (m: tf.LayersModel) => JSON.stringify(m.weights.map((w) => w.shape));
    if (models.some((m) => shapes(m) !== shapes(models[0]) || JSON.stringify(denseLayers(m)) !== JSON.stringify(layers))) return null;
    const stack = new StackedMlp(models, layers, optimizer);
    await stack.loadOptimizerState(optimizers);
    return stack;
  }

  /** Logits `[R, B, C]` of every run, each on its own inputs: `x` is `[R, B, …features]`. */
  forward(x: tf.Tensor): tf.Tensor3D {
    return tf.tidy(() => {
      let h = tf.reshape(x, [this.runs, x.shape[1]!, this.inputSize]) as tf.Tensor3D;
      for (const layer of this.layers) {
        h = tf.add(tf.matMul(h, this.weights[layer.kernel]), tf.expandDims(this.weights[layer.bias], 1)) as tf.Tensor3D;
        if (layer.activation === 'relu') h = tf.relu(h);
      }
      return h;
    });
  }

  /** One update of every run: the gradient of `loss` (a sum of the runs' losses: theirs do not mix) applied at `learningRate`. */
  step(loss: () => tf.Scalar, learningRate: number): tf.Scalar {
    setLearningRate(this.optimizer, learningRate);
    const { value, grads } = tf.variableGrads(loss, this.weights);
    this.optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
    return value;
  }

  /** Each run's weights into its model (the same order of runs as at build). */
  writeBack(models: readonly tf.LayersModel[]): void {
    models.forEach((model, r) => {
      // The WASM backend keeps the shape a buffer was made with, and a model's variable takes the
      // buffer it is given: a slice or gather reshaped to a bias of [n] would reach the Dense
      // layer's fused matMul as rank 2 or 4. An elementwise op makes a buffer of the final shape.
      const parts = tf.tidy(() => this.weights.map((w) => tf.add(tf.gather(w, r), 0)));
      model.setWeights(parts);
      tf.dispose(parts);
    });
  }

  /** Moments of the stacked optimizer, in getWeights order after the iteration count (none before the first update). */
  private slots(): tf.Variable[] {
    return momentSlots(this.optimizer);
  }

  private slotSuffixes(): string[] {
    const momentum = isMomentum(this.optimizer);
    return momentum ? this.names.map(() => '/momentum') : [...this.names.map(() => '/m'), ...this.names.map(() => '/v')];
  }

  /** Run r's optimizer state as its own optimizer would save it (names of its model's weights), from `values` read by the caller. */
  optimizerState(): { tensors: tf.Tensor[]; forRun: (r: number, values: Float32Array[]) => SavedSlot[] } {
    const slots = this.slots();
    const powers = adamPowers(this.optimizer) ?? [];
    const iterations = iterationsOf(this.optimizer);
    const suffixes = this.slotSuffixes();
    const names = [...this.names, ...this.names];
    return {
      tensors: [...slots, ...powers],
      forRun: (r, values) => {
        if (!slots.length) return [];
        const out: SavedSlot[] = [{ name: 'iter', shape: [], values: Float32Array.of(iterations) }];
        slots.forEach((slot, i) => {
          const size = slot.size / this.runs;
          out.push({ name: `${names[i]}${suffixes[i]}`, shape: slot.shape.slice(1), values: values[i].slice(r * size, (r + 1) * size) });
        });
        if (powers.length) {
          out.push({ name: `${ADAM_POWER}beta1`, shape: [], values: values[slots.length].slice() });
          out.push({ name: `${ADAM_POWER}beta2`, shape: [], values: values[slots.length + 1].slice() });
        }
        return out;
      },
    };
  }

  /** The runs' optimizers' state stacked into this one's (nothing when they have not updated yet). */
  private async loadOptimizerState(optimizers: readonly tf.Optimizer[]): Promise<void> {
    const states = await Promise.all(optimizers.map((o) => o.getWeights()));
    try {
      if (states.some((s) => s.length <= 1)) return; // a fresh optimizer: nothing to carry
      const [iterations] = states[0][0].tensor.dataSync();
      const suffixes = this.slotSuffixes();
      const stacked = states[0].slice(1).map((_, i) => ({
        name: `${this.weights[i % this.weights.length].name}${suffixes[i]}`,
        tensor: tf.stack(states.map((s) => s[i + 1].tensor)),
      }));
      await this.optimizer.setWeights([{ name: 'iter', tensor: tf.scalar(iterations, 'int32') }, ...stacked]);
      tf.dispose(stacked.map((s) => s.tensor));
      // setWeights recomputes β^t with pow; the runs' running products are the ones to keep.
      const [from, to] = [adamPowers(optimizers[0]), adamPowers(this.optimizer)];
      if (from && to) {
        to[0].assign(from[0]);
        to[1].assign(from[1]);
      }
    } finally {
      tf.dispose(states.flatMap((s) => (s[0] ? [s[0].tensor] : [])));
    }
  }

  dispose(): void {
    tf.dispose(this.weights);
    this.optimizer.dispose();
  }
}
