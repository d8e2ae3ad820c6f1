// What a training session tells its listener, and how often: the types of the page ↔ worker
// contract (src/worker/api.ts re-exports them) and the batcher that sends at most ~10 messages
// a second.
import type { RunEvaluation, ProbeSnapshot, RunSpec, StepReport } from './reports';
import type { BackendInUse } from '../tf/backends';

export type SessionState = 'idle' | 'running' | 'paused' | 'done';

export interface SessionInfo {
  /**
   * `detection` (the digit scenes): an evaluation's `testAccuracy` and `trainAccuracy` are
   * COCO AP@[.5:.95], `perClassAccuracy` each digit's AP, the probe's samples are cells.
   */
  task: 'classification' | 'detection';
  totalSteps: number;
  stepsPerEpoch: number;
  teacherTestAccuracy: number | null;
  classNames: string[];
  /** Where the dataset has them (the synthetic families, a CSV's superclass column): each class's superclass, and their names. */
  superclassOf?: number[];
  superclassNames?: string[];
  /** Training samples actually used (the subset) and test samples. */
  trainCount: number;
  testCount: number;
  runs: RunSpec[];
  /** How the steps run: every run of every seed as one computation (`stacked`), or one after the other (`loop`). */
  engine: 'stacked' | 'loop';
}

/** An evaluation of one run; `testCount`: the test samples it was taken on (bounded during training, the whole split at the end). */
export type EvaluationReport = RunEvaluation;

/** Why a session paused by itself. `device-lost`: its GPU device is gone (recover continues on another backend). */
export type PauseReason = { kind: 'device-lost'; fromStep: number | null } | { kind: 'non-finite' };

/** What a running session sends, batched. */
export interface ReportBatch {
  state: SessionState;
  steps: StepReport[];
  /** Test-set metrics of every run, taken at the end of each epoch and of the budget. */
  evaluations: EvaluationReport[];
  /** The probe batch as the charts show it, taken with the evaluations. */
  probe?: ProbeSnapshot;
  /** Why training paused by itself, in words (a non-finite loss, a lost device). */
  message?: string;
  /** The same, as a field the page can test (never by matching the words). */
  paused?: PauseReason;
  /** An evaluation under way (steps wait for it): samples predicted so far, of all. */
  evaluating?: { done: number; total: number };
}

export const REPORT_INTERVAL_MS = 100;
/** How often a running session copies its state to plain arrays, the "last good weights". */
export const SNAPSHOT_INTERVAL_MS = 1000;
/** Test samples of every evaluation (the curves' test set); the last one and Evaluate now add the whole split. */
export const EVALUATION_TEST_LIMIT = 1000;
/** How often a running session takes a probe snapshot for the charts (besides each epoch's). */
export const PROBE_INTERVAL_MS = 1000;

/** What a session resumed from after its backend was lost. */
export interface Recovery {
  backend: BackendInUse;
  /** The step of the last good weights training continues from. */
  resumedAtStep: number;
  /** Steps that were trained after those weights and are lost with the device. */
  stepsLost: number;
}

/** Collects a running session's reports and sends them together, at most every {@link REPORT_INTERVAL_MS}. */
export class ReportBatcher {
  private steps: StepReport[] = [];
  private evaluations: EvaluationReport[] = [];
  private probe: ProbeSnapshot | undefined;
  private lastSent = performance.now();
  /** An evaluation under way, sent with every batch until it ends. */
  evaluating: { done: number; total: number } | null = null;

  constructor(
    private readonly onReport: (batch: ReportBatch) => void,
    private readonly state: () => SessionState,
  ) {}

  addStep(report: StepReport): void {
    this.steps.push(report);
  }

  addEvaluations(evaluations: EvaluationReport[]): void {
    this.evaluations.push(...evaluations);
  }

  setProbe(probe: ProbeSnapshot): void {
    this.probe = probe;
  }

  /** Sends what is collected (and why the session paused, if it did by itself), now. */
  send(pause?: { message: string; reason: PauseReason }): void {
    this.onReport({
      state: this.state(),
      steps: this.steps,
      evaluations: this.evaluations,
      ...(this.probe ? { probe: this.probe } : {}),
      ...(pause ? { message: pause.message, paused: pause.reason } : {}),
      ...(this.evaluating ? { evaluating: this.evaluating } : {}),
    });
    this.steps = [];
    this.evaluations = [];
    this.probe = undefined;
    this.lastSent = performance.now();
  }

  /** Sends when the last batch went at least {@link REPORT_INTERVAL_MS} ago. */
  sendIfDue(): void {
    if (performance.now() - this.lastSent >= REPORT_INTERVAL_MS) this.send();
  }
}

/** The first non-finite loss or term of a step, named, or null. */
export function nonFinite(report: StepReport): string | null {
  for (const run of report.runs) {
    // The seed is named when the race has several.
    const which = report.runs.some((r) => r.seed !== run.seed) ? `run ${run.id} (seed ${run.seed})` : `run ${run.id}`;
    if (!Number.isFinite(run.loss)) return `${which}, step ${report.step}: the loss is ${run.loss}`;
    for (const [term, value] of Object.entries(run.terms)) {
      if (!Number.isFinite(value)) return `${which}, step ${report.step}: loss term ${term} is ${value}`;
    }
  }
  return null;
}
