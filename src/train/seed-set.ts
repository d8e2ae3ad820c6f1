// A race on several seeds: one trainer per seed (its own initial weights, training subset and
// batch order, shared by every method of that seed), driven as one. Each step is a step of
// every seed; the reports carry every seed's runs, tagged with their seed.
import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset';
import { type ChunkPolicy } from './chunked-step';
import { seedsOf, type TrainerConfig } from './config';
import type { LiveChange } from './live-change';
import type { EvaluateOptions } from './probe';
import {
  TrainingStopped,
  type PrepareOptions,
  type PrepareProgress,
  type ProbeSnapshot,
  type RunEvaluation,
  type RunSpec,
  type StepReport,
  type StudentExport,
} from './reports';
import { DistillationTrainer } from './trainer';
import type { TrainerSnapshot } from './trainer-state';

/** Every seed's training state (see {@link TrainerSnapshot}); `step` is the step the race resumes at. */
export interface SeedSetSnapshot {
  step: number;
  seeds: TrainerSnapshot[];
}

/**
 * The trainers of every seed of a configuration (`config.seeds` of them, seeds `config.seed`,
 * `config.seed + 1`, …), with the interface of one: the session drives it. A step trains
 * every seed in turn; a pause may stop it between two seeds or inside one seed's split step,
 * and the next step call goes on from there. Seeds train one after the other (the loop costs
 * each seed's dispatches), so a race of n seeds takes about n times as long.
 */
export class SeedSet {
  readonly trainers: DistillationTrainer[];
  readonly seeds: number[];
  /** The seed the probe charts follow. */
  private probeSeed: number;
  /** Reports of the seeds that have finished the step under way. */
  private partial: StepReport[] = [];
  /** Live changes made while a step was under way, for the seeds that had not finished it: applied after they do. */
  private deferred = new Map<number, LiveChange[]>();

  constructor(
    readonly config: TrainerConfig,
    runs: RunSpec[],
    dataset: Dataset,
    teacher: tf.LayersModel | null,
    chunks: ChunkPolicy = 'paced',
  ) {
    this.seeds = seedsOf(config);
    this.probeSeed = this.seeds[0];
    this.trainers = [];
    try {
      for (const seed of this.seeds) this.trainers.push(new DistillationTrainer({ ...config, seed }, runs, dataset, teacher, chunks));
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  get totalSteps(): number {
    return this.trainers[0].totalSteps;
  }

  get stepsPerEpoch(): number {
    return this.trainers[0].stepsPerEpoch;
  }

  /** The step every seed has finished (a step stopped between seeds is not counted). */
  get currentStep(): number {
    return Math.min(...this.trainers.map((t) => t.currentStep));
  }

  get done(): boolean {
    return this.trainers.every((t) => t.done);
  }

  /** TF.js's tensors and bytes after the last step of the last seed. */
  get restingMemory(): { numTensors: number; numBytes: number } | null {
    return this.trainers.at(-1)!.restingMemory;
  }

  /** Each seed's teacher logits and kernel warm-up, with progress that names the seed when there are several. */
  async prepare(onProgress?: (progress: PrepareProgress) => void, stop: () => boolean = () => false, options: PrepareOptions = {}): Promise<void> {
    for (const [k, trainer] of this.trainers.entries()) {
      const named =
        this.seeds.length === 1
          ? onProgress
          : (p: PrepareProgress) => onProgress?.({ ...p, what: `seed ${k + 1} of ${this.seeds.length}: ${p.what}` });
      await trainer.prepare(named, stop, options);
    }
  }

  students(seed = this.seeds[0]): readonly { id: string; model: tf.LayersModel }[] {
    return this.trainerOf(seed).students();
  }

  runSpecs(): RunSpec[] {
    return this.trainers[0].runSpecs();
  }

  /** The probe charts follow `seed` from the next probe on. */
  followSeed(seed: number): void {
    this.trainerOf(seed);
    this.probeSeed = seed;
  }

  get followedSeed(): number {
    return this.probeSeed;
  }

  private trainerOf(seed: number): DistillationTrainer {
    const k = this.seeds.indexOf(seed);
    if (k < 0) throw new Error(`seed = ${seed} is not one of this race's seeds (${this.seeds.join(', ')})`);
    return this.trainers[k];
  }

  /**
   * A live change (see live-change.ts). Every seed switches at the same step: when a step is
   * part done, the seeds that finished it take the change for their next one, and the rest
   * take it once they have finished theirs.
   */
  adjust(change: LiveChange): void {
    const under = this.partial.length > 0;
    const step = this.currentStep;
    for (const [k, trainer] of this.trainers.entries()) {
      if (under && trainer.currentStep === step) this.deferred.set(k, [...(this.deferred.get(k) ?? []), change]);
      else trainer.adjust(change);
    }
  }

  learningRateAt(step: number): number {
    return this.trainers[0].learningRateAt(step);
  }

  splitStepsInto(samples: number): void {
    for (const trainer of this.trainers) trainer.splitStepsInto(samples);
  }

  trainStep(): Promise<StepReport> {
    return this.runStep((trainer) => trainer.trainStep());
  }

  trainStepUnlessStopped(stop: () => boolean | Promise<boolean>): Promise<StepReport> {
    return this.runStep((trainer) => trainer.trainStepUnlessStopped(stop), stop);
  }

  /** One step of every seed that has not taken it yet; `stop` is asked between seeds too. */
  private async runStep(one: (trainer: DistillationTrainer) => Promise<StepReport>, stop?: () => boolean | Promise<boolean>): Promise<StepReport> {
    if (this.done) throw new Error(`the budget of ${this.totalSteps} steps is spent`);
    const step = this.currentStep;
    for (const [k, trainer] of this.trainers.entries()) {
      if (trainer.currentStep > step) continue;
      this.partial.push(await one(trainer));
      for (const change of this.deferred.get(k) ?? []) trainer.adjust(change);
      this.deferred.delete(k);
      if (stop && k < this.trainers.length - 1 && (await stop())) throw new TrainingStopped(`step ${step}`);
    }
    const [first, ...rest] = this.partial;
    this.partial = [];
    return { ...first, runs: [first, ...rest].flatMap((r) => r.runs) };
  }

  /** Every seed's runs on the test split (stopped as a whole: it runs again on resume). */
  async evaluate(options: EvaluateOptions = {}): Promise<RunEvaluation[]> {
    const results: RunEvaluation[] = [];
    for (const [k, trainer] of this.trainers.entries()) {
      const onProgress = options.onProgress && ((done: number, total: number) => options.onProgress!(k * total + done, this.trainers.length * total));
      results.push(...(await trainer.evaluate({ ...options, onProgress })));
    }
    return results;
  }

  /** The probe batch as the followed seed's runs see it. */
  probeSnapshot(count = 8): Promise<ProbeSnapshot> {
    return this.trainerOf(this.probeSeed).probeSnapshot(count);
  }

  exportStudent(id: string, seed = this.seeds[0]): Promise<StudentExport> {
    return this.trainerOf(seed).exportStudent(id);
  }

  async snapshot(): Promise<SeedSetSnapshot> {
    const seeds: TrainerSnapshot[] = [];
    for (const trainer of this.trainers) seeds.push(await trainer.snapshot());
    return { step: Math.min(...seeds.map((s) => s.step)), seeds };
  }

  /** Every seed's state from a snapshot of the same configuration (possibly on another backend). */
  async restore(snapshot: SeedSetSnapshot): Promise<void> {
    if (snapshot.seeds.length !== this.trainers.length)
      throw new Error(`a snapshot of ${snapshot.seeds.length} seeds cannot restore a race of ${this.trainers.length}`);
    for (const [k, trainer] of this.trainers.entries()) await trainer.restore(snapshot.seeds[k]);
    this.partial = [];
    this.deferred.clear();
  }

  dispose(): void {
    for (const trainer of this.trainers) trainer.dispose();
    this.partial = [];
    this.deferred.clear();
  }
}
