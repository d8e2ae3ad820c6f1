// A race on several seeds: one trainer per seed (its own initial weights, training subset and
// batch order, shared by every method of that seed), driven as one. Each step is a step of
// every seed; the reports carry every seed's runs, tagged with their seed.
import * as tf from '@tensorflow/tfjs';
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
import { stackable, StackedRace } from './stacked-race';
import { DistillationTrainer } from './trainer';
import type { TrainerSnapshot } from './trainer-state';

/** Every seed's training state (see {@link TrainerSnapshot}); `step` is the step the race resumes at. */
export interface SeedSetSnapshot {
  step: number;
  seeds: TrainerSnapshot[];
}

/** How a race's steps run: `stacked` (MLP students; see stacked-race.ts) or `loop` (one run after the other). `auto` picks (see the constructor). */
export type RaceEngine = 'stacked' | 'loop';

/**
 * The trainers of every seed of a configuration (`config.seeds` of them, seeds `config.seed`,
 * `config.seed + 1`, …), with the interface of one: the session drives it.
 *
 * MLP students train stacked: every run of every seed in one computation per step, so the
 * kernel dispatches of a step do not grow with the runs; a stacked step is whole (a pause
 * lands between steps). Other students (CNNs) loop: a step trains every seed in turn, a
 * pause may stop it between two seeds or inside one seed's split step, and the next step
 * call goes on from there; n seeds then take about n times as long. A numeric chunk policy
 * (tests that pin the cut of split steps) loops too.
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
  /** Every run of every seed as one computation, or null (the loop). */
  private readonly stacked: StackedRace | null = null;

  constructor(
    readonly config: TrainerConfig,
    runs: RunSpec[],
    dataset: Dataset,
    teacher: tf.LayersModel | null,
    chunks: ChunkPolicy = 'paced',
    engine: RaceEngine | 'auto' = 'auto',
  ) {
    this.seeds = seedsOf(config);
    this.probeSeed = this.seeds[0];
    this.trainers = [];
    try {
      for (const seed of this.seeds) this.trainers.push(new DistillationTrainer({ ...config, seed }, runs, dataset, teacher, chunks));
      const canStack = typeof chunks !== 'number' && stackable(this.trainers[0].trainedRuns[0].student);
      if (engine === 'stacked' && !canStack)
        throw new Error('engine = "stacked" is invalid here: only MLP students train stacked, with steps not pinned to chunks');
      // `auto`: stacked except on the pure-JS CPU backend, where compute, not launches, is the
      // cost and its batched matMul no faster than the loop's fused one (`npm run bench`, the
      // race on several seeds: docs/perf.md, "A training step").
      const auto = canStack && tf.getBackend() !== 'cpu';
      if (engine === 'stacked' || (engine === 'auto' && auto)) this.stacked = new StackedRace(this.trainers, config);
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  /** How the steps run (see {@link RaceEngine}). */
  get engine(): RaceEngine {
    return this.stacked ? 'stacked' : 'loop';
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

  /** TF.js's tensors and bytes right after the last step (the stack's, or the last seed's trainer's). */
  get restingMemory(): { numTensors: number; numBytes: number } | null {
    return this.stacked?.restingMemory ?? this.trainers.at(-1)!.restingMemory;
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
    this.stacked?.syncModels();
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
  adjust(change: LiveChange): number {
    const under = this.partial.length > 0;
    const step = this.currentStep;
    for (const [k, trainer] of this.trainers.entries()) {
      if (under && trainer.currentStep === step) this.deferred.set(k, [...(this.deferred.get(k) ?? []), change]);
      else trainer.adjust(change);
    }
    // Every seed trains with it from the same step: this one, or the next when some seeds took this one already.
    return under ? step + 1 : step;
  }

  learningRateAt(step: number): number {
    return this.trainers[0].learningRateAt(step);
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
    if (this.stacked) return this.stacked.step();
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
    this.stacked?.syncModels();
    const results: RunEvaluation[] = [];
    for (const [k, trainer] of this.trainers.entries()) {
      const onProgress = options.onProgress && ((done: number, total: number) => options.onProgress!(k * total + done, this.trainers.length * total));
      results.push(...(await trainer.evaluate({ ...options, onProgress })));
    }
    return results;
  }

  /** The probe batch as the followed seed's runs see it. */
  probeSnapshot(count = 8): Promise<ProbeSnapshot> {
    this.stacked?.syncModels();
    return this.trainerOf(this.probeSeed).probeSnapshot(count);
  }

  exportStudent(id: string, seed = this.seeds[0]): Promise<StudentExport> {
    this.stacked?.syncModels();
    return this.trainerOf(seed).exportStudent(id);
  }

  async snapshot(): Promise<SeedSetSnapshot> {
    const stacked = await this.stacked?.saveRuns();
    const seeds: TrainerSnapshot[] = [];
    for (const [k, trainer] of this.trainers.entries()) seeds.push(await trainer.snapshot(stacked?.[k]));
    return { step: Math.min(...seeds.map((s) => s.step)), seeds };
  }

  /** Every seed's state from a snapshot of the same configuration (possibly on another backend). */
  async restore(snapshot: SeedSetSnapshot): Promise<void> {
    if (snapshot.seeds.length !== this.trainers.length)
      throw new Error(`a snapshot of ${snapshot.seeds.length} seeds cannot restore a race of ${this.trainers.length}`);
    for (const [k, trainer] of this.trainers.entries()) await trainer.restore(snapshot.seeds[k]);
    this.stacked?.invalidate();
    this.partial = [];
    this.deferred.clear();
  }

  dispose(): void {
    this.stacked?.dispose();
    for (const trainer of this.trainers) trainer.dispose();
    this.partial = [];
    this.deferred.clear();
  }
}
