// What a detection race draws for one seed, step by step: its training subset, the order of
// its batches (a new shuffle every epoch) and the cells each batch's losses see. One seeded
// object, so the race and the reproduction bundle (which replays it for PyTorch) draw the
// same scenes and cells, and a snapshot can carry its state.
import { SeededRandom } from '../data/random';
import type { TrainerConfig } from '../train/config';
import { sampleCells, type SampledCells } from './cells';
import { DETECTION_CLASSES } from './detector';
import { cellTargets, type CellTargets } from './grid';
import type { SceneSplit } from './scenes-file';

/** The state of a {@link DetectionPlan} as plain data. */
export interface DetectionPlanState {
  step: number;
  order: number[];
  random: { state: number; spareNormal: number | null };
  cells: { state: number; spareNormal: number | null };
}

/** One step's draw: the batch's scenes (indices into the training split), their cell targets and the sampled cells. */
export interface PlannedStep {
  indices: number[];
  targets: CellTargets[];
  cells: SampledCells;
}

/** A seeded permutation of `items` (Fisher–Yates, from the end). */
export function shuffled(items: readonly number[], random: SeededRandom): number[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * A seed's draws: the subset (the first `trainSubset` of a seeded permutation of the training
 * scenes), the batch order (the subset shuffled, again at every epoch), and per batch the
 * sampled cells (every digit cell, up to three background cells per digit, by a second
 * generator of its own), shared by every method of the seed.
 */
export class DetectionPlan {
  readonly subset: number[];
  readonly stepsPerEpoch: number;
  private order: number[];
  private step = 0;
  private readonly random: SeededRandom;
  private readonly cellRandom: SeededRandom;

  constructor(
    private readonly config: Pick<TrainerConfig, 'trainSubset' | 'batchSize'>,
    readonly seed: number,
    private readonly train: SceneSplit,
  ) {
    this.random = new SeededRandom(seed);
    this.cellRandom = new SeededRandom(seed * 7919 + 13);
    const count = Math.min(config.trainSubset, train.count);
    this.subset = shuffled(
      Array.from({ length: train.count }, (_, i) => i),
      this.random,
    ).slice(0, count);
    this.order = shuffled(this.subset, this.random);
    this.stepsPerEpoch = Math.ceil(count / config.batchSize);
  }

  /** The next step's batch and cells. */
  next(): PlannedStep {
    const inEpoch = this.step % this.stepsPerEpoch;
    if (inEpoch === 0 && this.step > 0) this.order = shuffled(this.subset, this.random);
    const indices = this.order.slice(inEpoch * this.config.batchSize, (inEpoch + 1) * this.config.batchSize);
    const targets = indices.map((i) => cellTargets(this.train.boxes[i], DETECTION_CLASSES));
    const cells = sampleCells(
      targets.map((t) => t.classes),
      DETECTION_CLASSES,
      this.cellRandom,
    );
    this.step++;
    return { indices, targets, cells };
  }

  save(): DetectionPlanState {
    return { step: this.step, order: this.order.slice(), random: this.random.save(), cells: this.cellRandom.save() };
  }

  restore(state: DetectionPlanState): void {
    this.step = state.step;
    this.order = state.order.slice();
    this.random.restore(state.random);
    this.cellRandom.restore(state.cells);
  }
}
