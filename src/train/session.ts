import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset';
import { loadDataset } from '../data/load';
import { ensureLocal, localDatasetNow, openLocal } from '../import/local-import';
import { loadTeacher } from '../models/teacher';
import { ConfigError, parseRuns, parseTrainerConfig, RANGES, type TrainerConfig } from './config';
import { selectBackend, type BackendInUse, type BackendName } from '../tf/backends';
import type { EvaluationMetrics } from './metrics';
import { DistillationTrainer } from './trainer';
import { TrainingStopped, type PrepareOptions, type PrepareProgress, type ProbeSnapshot, type RunSpec, type StepReport, type StudentExport } from './reports';
import type { ChunkPolicy } from './chunked-step';
import type { TrainerSnapshot } from './trainer-state';

export type SessionState = 'idle' | 'running' | 'paused' | 'done';

export interface SessionInfo {
  totalSteps: number;
  stepsPerEpoch: number;
  teacherTestAccuracy: number | null;
  classNames: string[];
  /** Training samples actually used (the subset) and test samples. */
  trainCount: number;
  testCount: number;
  runs: RunSpec[];
}

/** What a running session sends, batched so a listener gets at most ~10 messages a second. */
/** `testCount`: the test samples it was taken on (bounded during training, the whole split at the end). */
export type EvaluationReport = { id: string; step: number; trainAccuracy: number; trainLoss: number; testCount: number } & EvaluationMetrics;

export interface ReportBatch {
  state: SessionState;
  steps: StepReport[];
  /** Test-set metrics of every run, taken at the end of each epoch and of the budget. */
  evaluations: EvaluationReport[];
  /** The probe batch as the charts show it, taken with the evaluations. */
  probe?: ProbeSnapshot;
  /** Why training paused by itself (a non-finite loss, …). */
  message?: string;
  /** An evaluation under way (steps wait for it): samples predicted so far, of all. */
  evaluating?: { done: number; total: number };
}

export const REPORT_INTERVAL_MS = 100;
/** How often a running session copies its state to plain arrays, the "last good weights". */
export const SNAPSHOT_INTERVAL_MS = 1000;
/** Test samples of each evaluation during training; the last one and Evaluate now use the whole split. */
export const EVALUATION_TEST_LIMIT = 1000;
/** How often a running session takes a probe snapshot for the charts (besides each epoch's). */
export const PROBE_INTERVAL_MS = 1000;

/** How long a failed GPU read waits for the device-lost signal before it counts as an error. */
const LOSS_GRACE_MS = 2000;

/** What a session resumed from after its backend was lost. */
export interface Recovery {
  backend: BackendInUse;
  /** The step of the last good weights training continues from. */
  resumedAtStep: number;
  /** Steps that were trained after those weights and are lost with the device. */
  stepsLost: number;
}

/** What can change while a run goes on. τ applies to every distilling run; α to DKD's TCKD weight and PCD. */
export interface LiveChange {
  learningRate?: number;
  temperature?: number;
  alpha?: number;
}

/**
 * Lets the host's queued events run (the worker's incoming messages: pause, stop, a live
 * change). On the CPU backend a step's reads resolve as microtasks, so without this a
 * running loop would never let a pause in.
 */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') {
      setImmediate(resolve);
      return;
    }
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** The first non-finite loss or term of a step, named, or null. */
function nonFinite(report: StepReport): string | null {
  for (const run of report.runs) {
    if (!Number.isFinite(run.loss)) return `run ${run.id}, step ${report.step}: the loss is ${run.loss}`;
    for (const [term, value] of Object.entries(run.terms)) {
      if (!Number.isFinite(value)) return `run ${run.id}, step ${report.step}: loss term ${term} is ${value}`;
    }
  }
  return null;
}

interface Loaded {
  config: TrainerConfig;
  runs: RunSpec[];
  dataset: Dataset;
  teacher: tf.LayersModel | null;
  teacherTestAccuracy: number | null;
  trainer: DistillationTrainer;
  siteUrl: string;
}

/**
 * A training session: the trainer plus its lifecycle (configure, start, pause, step,
 * reset). No worker code: the worker exposes it over comlink, and Node tests drive it
 * directly. `fetchFn` and `siteUrl` say where the dataset and teacher files are.
 */
export class TrainingSession {
  private loaded: Loaded | null = null;
  private current: SessionState = 'idle';
  private stopRequested = false;
  private lastGood: TrainerSnapshot | null = null;
  private lostDevice: string | null = null;
  private lostSignal: (() => void) | null = null;
  /** Pause between steps in ms (the speed control); 0 = as fast as the backend goes. */
  private pace = 0;
  /** An epoch ended and its evaluation has not run yet (a pause stopped it): it runs first on resume. */
  private evaluationDue = false;

  /** Calls that read or replace the trainer run one at a time, in order (see {@link exclusive}). */
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * `fetchFn` fetches the site's dataset and teacher files. `chunks` is how a slow step is
   * cut so that a pause lands within bounded work (see {@link ChunkPolicy}): the page paces
   * it by measured time; tests that compare steps bit for bit pin it (`whole`), since a cut
   * that follows the clock changes float rounding with the machine's load.
   */
  constructor(
    private readonly fetchFn: typeof fetch = fetch,
    private readonly chunks: ChunkPolicy = 'paced',
  ) {}

  /**
   * Runs `work` after every earlier exclusive call has settled: the worker receives calls
   * as messages and runs them interleaved at each await, so without this a configure could
   * dispose a trainer that a probe, an evaluation or a step was still reading.
   */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  state(): SessionState {
    return this.current;
  }

  /**
   * Validates `input` with the trainer schema and builds a session of `runs`. An invalid
   * config is refused with every bad field named, and the current session goes on
   * untouched.
   */
  configure(input: unknown, runInput: RunSpec[], siteUrl: string, onProgress?: (progress: PrepareProgress) => void, options: PrepareOptions = {}): Promise<SessionInfo> {
    if (this.current === 'running') return Promise.reject(new Error('training is running: pause first'));
    // A newer configure supersedes one still preparing: that one stops at its next chunk.
    this.configureTicket++;
    const ticket = this.configureTicket;
    return this.exclusive(() => this.configureNow(input, runInput, siteUrl, onProgress, () => ticket !== this.configureTicket, options));
  }

  /**
   * The dataset and, when a run distils, its teacher (verified): from the site, or for the
   * local dataset from memory or IndexedDB (its teacher a model, or logits in the dataset).
   */
  private async loadData(config: TrainerConfig, needsTeacher: boolean, siteUrl: string, known?: Dataset): Promise<{ dataset: Dataset; teacher: tf.LayersModel | null; teacherTestAccuracy: number | null }> {
    if (config.dataset === 'local') {
      const local = await openLocal();
      return { dataset: local.data.dataset, teacher: local.teacher, teacherTestAccuracy: local.facts.teacherTestAccuracy };
    }
    const dataset = known ?? (await loadDataset(config.dataset, siteUrl, this.fetchFn));
    if (!needsTeacher) return { dataset, teacher: null, teacherTestAccuracy: null };
    const loaded = await loadTeacher(config.dataset, siteUrl, this.fetchFn, dataset);
    return { dataset, teacher: loaded.model, teacherTestAccuracy: loaded.metadata.testAccuracy };
  }

  /** Counts configure calls; a preparation whose ticket is not the latest is superseded. */
  private configureTicket = 0;

  private async configureNow(
    input: unknown,
    runInput: RunSpec[],
    siteUrl: string,
    onProgress?: (progress: PrepareProgress) => void,
    superseded: () => boolean = () => false,
    options: PrepareOptions = {},
  ): Promise<SessionInfo> {
    if (this.current === 'running') throw new Error('training is running: pause first');
    // After a reload the local dataset is in IndexedDB: read it first, so the schema knows its classes and size.
    if ((input as { dataset?: unknown } | null)?.dataset === 'local' && !localDatasetNow()) await ensureLocal().catch(() => undefined);
    const config = parseTrainerConfig(input);
    const runs = parseRuns(runInput, config);
    // The same data (for the local dataset, the one loaded now, not one replaced since) is reused with its teacher.
    const same = this.loaded && this.loaded.config.dataset === config.dataset && (config.dataset !== 'local' || this.loaded.dataset === localDatasetNow());
    const reuse = same ? this.loaded : null;
    const needsTeacher = runs.some((r) => r.method.method !== 'ce');
    const { dataset, teacher, teacherTestAccuracy } = reuse && (reuse.teacher || !needsTeacher || reuse.dataset.train.teacherLogits) ? reuse : await this.loadData(config, needsTeacher, siteUrl, reuse?.dataset);
    const trainer = new DistillationTrainer(config, runs, dataset, teacher, this.chunks);
    // The teacher's logits now, with progress, rather than silently in the first step and
    // the first evaluation. A failure here leaves the current session as it was.
    try {
      await trainer.prepare(onProgress, superseded, options);
    } catch (error) {
      trainer.dispose();
      if (teacher && teacher !== this.loaded?.teacher) teacher.dispose();
      throw error;
    }
    if (this.loaded) {
      this.loaded.trainer.dispose();
      if (this.loaded.teacher && this.loaded.teacher !== teacher) this.loaded.teacher.dispose();
    }
    this.loaded = { config, runs, dataset, teacher, teacherTestAccuracy, trainer, siteUrl };
    this.lastGood = null;
    this.evaluationDue = false;
    this.current = 'paused';
    return {
      totalSteps: trainer.totalSteps,
      stepsPerEpoch: trainer.stepsPerEpoch,
      teacherTestAccuracy,
      classNames: dataset.classNames.slice(),
      trainCount: Math.min(config.trainSubset, dataset.train.count),
      testCount: dataset.test.count,
      runs,
    };
  }

  /**
   * The worker switched TF.js backends (the page picked another for a new configuration):
   * the session's tensors live on the old one, so it ends, and the next configure loads the
   * teacher again on the new backend.
   */
  backendChanged(): void {
    if (this.current === 'running') throw new Error('training is running: pause first');
    this.loaded?.trainer.dispose();
    this.loaded?.teacher?.dispose();
    this.loaded = null;
    this.lastGood = null;
    this.current = 'idle';
  }

  private session(): Loaded {
    if (!this.loaded) throw new Error('no session: call configure first');
    return this.loaded;
  }

  /**
   * Trains until paused, done, or a non-finite loss (which pauses with a message naming
   * the run, the step and the loss), reporting at most every {@link REPORT_INTERVAL_MS}.
   */
  async start(onReport: (batch: ReportBatch) => void): Promise<void> {
    const session = this.session();
    if (this.current === 'running' || this.current === 'done') return;
    this.current = 'running';
    let pending: StepReport[] = [];
    let evaluations: EvaluationReport[] = [];
    let probe: ProbeSnapshot | undefined;
    let lastSent = performance.now();
    let evaluating: { done: number; total: number } | null = null;
    const send = (message?: string) => {
      onReport({ state: this.current, steps: pending, evaluations, ...(probe ? { probe } : {}), ...(message ? { message } : {}), ...(evaluating ? { evaluating } : {}) });
      pending = [];
      evaluations = [];
      probe = undefined;
      lastSent = performance.now();
    };
    let lastSnapshot = -Infinity;
    let lastProbe = performance.now();
    // A pause is checked between bounded units of work: a step split into chunks when steps
    // are slow (a stopped step keeps its chunks and goes on at the next step), an evaluation
    // after each batch (a stopped one stays due and runs again first on resume). The check
    // lets the pause message in first: on the CPU backend a unit's read resolves as a microtask.
    const stopped = async () => {
      await yieldToEvents();
      return this.current !== 'running';
    };
    const stoppable = async <T>(work: Promise<T>): Promise<T | 'stopped' | null> => {
      try {
        return await this.whileDeviceLives(work);
      } catch (error) {
        if (error instanceof TrainingStopped) return 'stopped';
        throw error;
      }
    };
    while (this.current === 'running' && (!session.trainer.done || this.evaluationDue)) {
      const { trainer } = session;
      if (this.evaluationDue) {
        // During training an evaluation is bounded (EVALUATION_TEST_LIMIT test samples) so it
        // never stalls the steps for long; the last one, at the end of the budget, is on the whole split.
        // Said at once (the steps wait for it), then with progress at the report rate.
        evaluating = { done: 0, total: 0 };
        send();
        const evaluated = await stoppable(
          trainer.evaluate({
            testLimit: trainer.done ? Infinity : EVALUATION_TEST_LIMIT,
            stop: stopped,
            onProgress: (done, total) => {
              evaluating = { done, total };
              if (performance.now() - lastSent >= REPORT_INTERVAL_MS) send();
            },
          }),
        );
        evaluating = null;
        if (evaluated === 'stopped') break;
        const probed = evaluated ? await this.whileDeviceLives(trainer.probeSnapshot()) : null;
        if (!evaluated || !probed) {
          this.current = 'paused';
          send(this.lostMessage());
          return;
        }
        this.evaluationDue = false;
        evaluations.push(...evaluated);
        probe = probed;
        lastProbe = performance.now();
        if (performance.now() - lastSent >= REPORT_INTERVAL_MS) send();
        continue;
      }
      if (performance.now() - lastSnapshot >= SNAPSHOT_INTERVAL_MS) {
        const snapshot = await this.whileDeviceLives(trainer.snapshot());
        if (snapshot) this.lastGood = snapshot;
        lastSnapshot = performance.now();
      }
      const report = await stoppable(trainer.trainStepUnlessStopped(stopped));
      if (report === 'stopped') break;
      if (!report) {
        this.current = 'paused';
        send(this.lostMessage());
        return;
      }
      pending.push(report);
      const problem = nonFinite(report);
      if (problem) {
        this.current = 'paused';
        send(`paused: ${problem}`);
        return;
      }
      if (trainer.done || trainer.currentStep % trainer.stepsPerEpoch === 0) this.evaluationDue = true;
      else if (performance.now() - lastProbe >= PROBE_INTERVAL_MS) {
        const probed = await this.whileDeviceLives(trainer.probeSnapshot());
        if (!probed) {
          this.current = 'paused';
          send(this.lostMessage());
          return;
        }
        probe = probed;
        lastProbe = performance.now();
      }
      if (performance.now() - lastSent >= REPORT_INTERVAL_MS) send();
      if (this.pace > 0) await new Promise((resolve) => setTimeout(resolve, this.pace));
      else await yieldToEvents();
    }
    if (this.stopRequested) {
      send();
      this.dispose();
      return;
    }
    if (session.trainer.done && !this.evaluationDue) this.current = 'done';
    send();
  }

  /** Milliseconds to wait between steps (the speed control); 0 = full speed. */
  setPace(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0 || ms > 10_000) throw new ConfigError([{ field: 'pace', message: `expected 0 … 10000 ms, got ${ms}` }]);
    this.pace = ms;
  }

  /**
   * Tells the session its GPU device is gone (the worker calls it from WebGPU's
   * `device.lost`). A running loop stops waiting on the dead device and pauses with a
   * message; {@link recover} continues on another backend.
   */
  deviceLost(reason: string): void {
    this.lostDevice = reason || 'unknown reason';
    this.lostSignal?.();
  }

  private lostMessage(): string {
    const from = this.lastGood ? `step ${this.lastGood.step}` : 'the start';
    return `paused: the GPU device was lost (${this.lostDevice}); recover to continue on another backend from the last good weights (${from})`;
  }

  /**
   * `work`'s result, or null as soon as the device is lost: a dead device's reads may
   * never settle, or fail before `device.lost` is signalled (so a failure waits a moment
   * for that signal before it counts as an error of its own).
   */
  private async whileDeviceLives<T>(work: Promise<T>): Promise<T | null> {
    if (this.lostDevice) {
      work.catch(() => undefined); // started already; nobody will read it
      return null;
    }
    const lost = new Promise<null>((resolve) => (this.lostSignal = () => resolve(null)));
    // Once the device-lost signal has won the race nobody awaits `work` any more: its later
    // failure (a pause stopping it, a read on the dead device) must not become an unhandled rejection.
    let settled = false;
    try {
      return await Promise.race([
        work.catch(async (error: unknown) => {
          if (settled) return null;
          if (error instanceof TrainingStopped) throw error; // a pause, not a device fault
          await Promise.race([lost, new Promise((resolve) => setTimeout(resolve, LOSS_GRACE_MS))]);
          if (this.lostDevice || settled) return null;
          throw error;
        }),
        lost,
      ]);
    } finally {
      settled = true;
      this.lostSignal = null;
    }
  }


  /**
   * After a lost device: starts the first backend of `order` that works, loads the
   * dataset and teacher again, and restores every run from the last good weights
   * (weights, optimizer state, data order), so the race goes on where it was.
   */
  recover(order: BackendName[] = ['webgl', 'wasm', 'cpu'], onProgress?: (progress: PrepareProgress) => void): Promise<Recovery> {
    return this.exclusive(() => this.recoverNow(order, onProgress));
  }

  private async recoverNow(order: BackendName[], onProgress?: (progress: PrepareProgress) => void): Promise<Recovery> {
    const session = this.session();
    if (this.current === 'running') throw new Error('training is running: pause first');
    const reachedStep = session.trainer.currentStep;
    if (session.config.dataset === 'local' && session.dataset !== localDatasetNow()) {
      throw new Error('the local dataset was replaced since this run started: its last good weights belong to the old one; Apply to train on the new one');
    }
    const backend = await selectBackend(order);
    // The old tensors lived on the lost backend: they are dropped, not read.
    const { config, runs, siteUrl } = session;
    const { dataset, teacher } = await this.loadData(config, runs.some((r) => r.method.method !== 'ce'), siteUrl);
    const trainer = new DistillationTrainer(config, runs, dataset, teacher, this.chunks);
    // The teacher's logits and the kernels' warm-up now, as at configure: not inside the first step after recovery.
    try {
      await trainer.prepare(onProgress);
    } catch (error) {
      trainer.dispose();
      teacher?.dispose();
      throw error;
    }
    if (this.lastGood) await trainer.restore(this.lastGood);
    this.loaded = { ...session, dataset, teacher, trainer };
    this.lostDevice = null;
    this.current = trainer.done ? 'done' : 'paused';
    return { backend, resumedAtStep: trainer.currentStep, stepsLost: reachedStep - trainer.currentStep };
  }

  /** Every run's test-set metrics now. */
  evaluate(): Promise<EvaluationReport[]> {
    return this.exclusive(() => this.session().trainer.evaluate());
  }

  /** A run's trained student in the TF.js Layers format. */
  exportStudent(id: string): Promise<StudentExport> {
    return this.exclusive(() => this.session().trainer.exportStudent(id));
  }

  /** The probe batch as the charts show it, now. */
  probe(): Promise<ProbeSnapshot> {
    return this.exclusive(() => this.session().trainer.probeSnapshot());
  }

  /**
   * Changes the learning rate, τ or α in the middle of a run, without a reset. The change
   * is validated with the same schema; a refused one names the field and changes nothing.
   */
  change(change: LiveChange): void {
    const session = this.session();
    const fields: { field: string; message: string }[] = [];
    // The same ranges as the schema's, so a live change can never set what Apply would refuse.
    const check = (field: string, value: number | undefined, [min, max]: readonly [number, number], allowMin: boolean) => {
      if (value === undefined) return;
      if (!Number.isFinite(value) || value < min || (!allowMin && value === min) || value > max) {
        fields.push({ field, message: `expected a finite number ${allowMin ? '≥' : '>'} ${min} and ≤ ${max}, got ${value}` });
      }
    };
    check('learningRate', change.learningRate, RANGES.learningRate, false);
    check('temperature', change.temperature, RANGES.temperature, true);
    check('alpha', change.alpha, RANGES.weight, true);
    if (fields.length) throw new ConfigError(fields);
    session.trainer.adjust(change);
    if (change.learningRate !== undefined) {
      session.config = { ...session.config, optimizer: { ...session.config.optimizer, learningRate: change.learningRate } };
    }
    session.runs = session.trainer.runSpecs();
  }

  pause(): void {
    if (this.current === 'running') this.current = 'paused';
  }

  /** TF.js's tensors and bytes right after the last training step, or null before one. */
  restingMemory(): { numTensors: number; numBytes: number } | null {
    return this.loaded?.trainer.restingMemory ?? null;
  }

  /** One step of every run while paused. */
  step(): Promise<StepReport> {
    return this.exclusive(() => this.stepNow());
  }

  private async stepNow(): Promise<StepReport> {
    const session = this.session();
    if (this.current === 'running') throw new Error('training is running: pause first');
    const report = await session.trainer.trainStep();
    if (session.trainer.done) this.current = 'done';
    return report;
  }

  /** Back to step 0 with the same configuration (the same initial weights, from the seed). */
  reset(): Promise<void> {
    return this.exclusive(() => this.resetNow());
  }

  private async resetNow(): Promise<void> {
    const session = this.session();
    if (this.current === 'running') throw new Error('training is running: pause first');
    session.trainer.dispose();
    session.trainer = new DistillationTrainer(session.config, session.runs, session.dataset, session.teacher, this.chunks);
    this.evaluationDue = false;
    this.current = 'paused';
  }

  /**
   * Ends the session. A running loop stops after its current step and frees the session
   * itself, so no step ever runs on disposed weights.
   */
  stop(): void {
    if (this.current === 'running') {
      this.current = 'idle';
      this.stopRequested = true;
      return;
    }
    this.dispose();
  }

  dispose(): void {
    this.stopRequested = false;
    this.loaded?.trainer.dispose();
    this.loaded?.teacher?.dispose();
    this.loaded = null;
    this.current = 'idle';
  }
}
