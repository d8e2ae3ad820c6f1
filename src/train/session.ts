import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset';
import { loadDataset } from '../data/load';
import { loadTeacher } from '../models/teacher';
import { ConfigError, parseRuns, parseTrainerConfig, type TrainerConfig } from './config';
import type { EvaluationMetrics } from './metrics';
import { DistillationTrainer, type ProbeSnapshot, type RunSpec, type StepReport } from './trainer';

export type SessionState = 'idle' | 'running' | 'paused' | 'done';

export interface SessionInfo {
  totalSteps: number;
  stepsPerEpoch: number;
  teacherTestAccuracy: number | null;
}

/** What a running session sends, batched so a listener gets at most ~10 messages a second. */
export type EvaluationReport = { id: string; step: number } & EvaluationMetrics;

export interface ReportBatch {
  state: SessionState;
  steps: StepReport[];
  /** Test-set metrics of every run, taken at the end of each epoch and of the budget. */
  evaluations: EvaluationReport[];
  /** The probe batch as the charts show it, taken with the evaluations. */
  probe?: ProbeSnapshot;
  /** Why training paused by itself (a non-finite loss, …). */
  message?: string;
}

export const REPORT_INTERVAL_MS = 100;

/** What can change while a run goes on. τ applies to every distilling run; α to DKD's TCKD weight and PCD. */
export interface LiveChange {
  learningRate?: number;
  temperature?: number;
  alpha?: number;
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

  constructor(private readonly fetchFn: typeof fetch = fetch) {}

  state(): SessionState {
    return this.current;
  }

  /**
   * Validates `input` with the trainer schema and builds a session of `runs`. An invalid
   * config is refused with every bad field named, and the current session goes on
   * untouched.
   */
  async configure(input: unknown, runInput: RunSpec[], siteUrl: string): Promise<SessionInfo> {
    if (this.current === 'running') throw new Error('training is running: pause first');
    const config = parseTrainerConfig(input);
    const runs = parseRuns(runInput, config);
    const reuse = this.loaded && this.loaded.config.dataset === config.dataset ? this.loaded : null;
    const dataset = reuse ? reuse.dataset : await loadDataset(config.dataset, siteUrl, this.fetchFn);
    let teacher = reuse?.teacher ?? null;
    let teacherTestAccuracy = reuse?.teacherTestAccuracy ?? null;
    if (runs.some((r) => r.method.method !== 'ce') && !teacher) {
      const loaded = await loadTeacher(config.dataset, siteUrl, this.fetchFn);
      teacher = loaded.model;
      teacherTestAccuracy = loaded.metadata.testAccuracy;
    }
    const trainer = new DistillationTrainer(config, runs, dataset, teacher);
    if (this.loaded) {
      this.loaded.trainer.dispose();
      if (this.loaded.teacher && this.loaded.teacher !== teacher) this.loaded.teacher.dispose();
    }
    this.loaded = { config, runs, dataset, teacher, teacherTestAccuracy, trainer };
    this.current = 'paused';
    return { totalSteps: trainer.totalSteps, stepsPerEpoch: trainer.stepsPerEpoch, teacherTestAccuracy };
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
    const send = (message?: string) => {
      onReport({ state: this.current, steps: pending, evaluations, ...(probe ? { probe } : {}), ...(message ? { message } : {}) });
      pending = [];
      evaluations = [];
      probe = undefined;
      lastSent = performance.now();
    };
    while (this.current === 'running' && !session.trainer.done) {
      const report = await session.trainer.trainStep();
      pending.push(report);
      const problem = nonFinite(report);
      if (problem) {
        this.current = 'paused';
        send(`paused: ${problem}`);
        return;
      }
      const { trainer } = session;
      if (trainer.done || trainer.currentStep % trainer.stepsPerEpoch === 0) {
        evaluations.push(...(await trainer.evaluate()));
        probe = await trainer.probeSnapshot();
      }
      if (performance.now() - lastSent >= REPORT_INTERVAL_MS) send();
    }
    if (this.stopRequested) {
      send();
      this.dispose();
      return;
    }
    if (session.trainer.done) this.current = 'done';
    send();
  }

  /** Every run's test-set metrics now. */
  async evaluate(): Promise<EvaluationReport[]> {
    return this.session().trainer.evaluate();
  }

  /** The probe batch as the charts show it, now. */
  async probe(): Promise<ProbeSnapshot> {
    return this.session().trainer.probeSnapshot();
  }

  /**
   * Changes the learning rate, τ or α in the middle of a run, without a reset. The change
   * is validated with the same schema; a refused one names the field and changes nothing.
   */
  change(change: LiveChange): void {
    const session = this.session();
    const fields: { field: string; message: string }[] = [];
    const check = (field: string, value: number | undefined, allowZero: boolean) => {
      if (value === undefined) return;
      if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
        fields.push({ field, message: `expected a finite number ${allowZero ? '≥ 0' : '> 0'}, got ${value}` });
      }
    };
    check('learningRate', change.learningRate, false);
    check('temperature', change.temperature, false);
    check('alpha', change.alpha, true);
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

  /** One step of every run while paused. */
  async step(): Promise<StepReport> {
    const session = this.session();
    if (this.current === 'running') throw new Error('training is running: pause first');
    const report = await session.trainer.trainStep();
    if (session.trainer.done) this.current = 'done';
    return report;
  }

  /** Back to step 0 with the same configuration (the same initial weights, from the seed). */
  async reset(): Promise<void> {
    const session = this.session();
    if (this.current === 'running') throw new Error('training is running: pause first');
    session.trainer.dispose();
    session.trainer = new DistillationTrainer(session.config, session.runs, session.dataset, session.teacher);
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
