// The one contract between the page and the training worker, imported with `import type`
// on both sides (ARCHITECTURE.md, "The worker boundary"). Only plain data crosses it.
import type { LocalImportResult } from '../import/local-import';
import type { LocalImportRequest, LocalRead } from '../import/local-transfer';
import type { LocalFacts } from '../models/catalog';
import type { BackendInUse, BackendName, MemorySnapshot } from '../tf/backends';
import type { LiveChange } from '../train/live-change';
import type { EvaluationReport, PauseReason, Recovery, ReportBatch, SessionInfo, SessionState } from '../train/session-reports';
import type { MeasuredEvaluation } from '../reproduce/bundle';
import type { DetectionProbe, PrepareOptions, PrepareProgress, ProbeBox, ProbeSnapshot, RunSpec, StepReport, StudentExport } from '../train/reports';

export type {
  LocalImportRequest,
  LocalImportResult,
  LocalRead,
  BackendInUse,
  BackendName,
  MemorySnapshot,
  EvaluationReport,
  LiveChange,
  PauseReason,
  PrepareOptions,
  PrepareProgress,
  ProbeSnapshot,
  ProbeBox,
  DetectionProbe,
  Recovery,
  ReportBatch,
  RunSpec,
  SessionInfo,
  SessionState,
  StepReport,
  StudentExport,
};

export interface TrainingWorkerApi {
  /**
   * Starts TF.js on the first backend of `order` that works and says which one it got. With
   * no order, the fastest here: not a software GPU, and for MLP students (`hint.mlp`) not a
   * software WebGL either. Called again, it switches backends (the next configure reloads
   * the teacher there).
   */
  initBackend(order?: BackendName[], hint?: { mlp: boolean }): Promise<BackendInUse>;
  /**
   * Validates `config` (the trainer schema) and builds a session of `runs` on the site at
   * `siteUrl`, then computes the teacher's logits (calling `onProgress` after each chunk).
   * An invalid config is refused with the fields named, and the current session, if any,
   * goes on untouched.
   */
  configure(
    config: unknown,
    runs: RunSpec[],
    siteUrl: string,
    onProgress?: (progress: PrepareProgress) => void,
    options?: PrepareOptions,
  ): Promise<SessionInfo>;
  /** Trains until paused, stopped or done, calling `onReport` at a bounded rate. */
  start(onReport: (batch: ReportBatch) => void): Promise<void>;
  /** Learning rate, τ or α, mid-run and without a reset; a refused change names the field. */
  change(change: LiveChange): void;
  pause(): void;
  /** Ends the session and frees its tensors (the worker stays, ready for configure). */
  stop(): void;
  /** One step of every run while paused. */
  step(): Promise<StepReport>;
  /** Every run's test-set metrics now. */
  evaluate(): Promise<EvaluationReport[]>;
  /** The probe batch as the charts show it, now. */
  probe(): Promise<ProbeSnapshot>;
  state(): SessionState;
  /** Milliseconds between steps (the speed control); 0 = full speed. */
  setPace(ms: number): void;
  /**
   * After a lost GPU device (reported as a paused batch with a message): continues on the
   * first backend of `order` that works, from the last good weights; the teacher's logits
   * are computed again on it first, with progress, as at configure.
   */
  recover(order?: BackendName[], onProgress?: (progress: PrepareProgress) => void): Promise<Recovery>;
  /** A run's trained student in the TF.js Layers format (model.json parts and the weight bytes). */
  exportStudent(id: string, seed?: number): Promise<StudentExport>;
  /** The probe charts follow `seed`, one of the race's seeds, from the next probe on. */
  followSeed(seed: number): void;
  /**
   * "Reproduce this run": a .zip of everything the run depends on (src/reproduce/): the page's
   * `evaluations` are its results; the files sit in a folder named `folder`.
   */
  reproduction(evaluations: MeasuredEvaluation[], folder: string): Promise<Uint8Array>;
  /**
   * Takes a local dataset the import worker read (its buffers transferred), checks its
   * teacher model on the test split in chunks (a running session goes on between them);
   * only then replaces the previous one, in memory and in IndexedDB. A refusal names the
   * file and the fault and changes nothing.
   */
  adoptLocal(read: LocalRead, onProgress?: (progress: PrepareProgress) => void): Promise<LocalImportResult>;
  /** Stops an adoptLocal at its next chunk (the page's Cancel); it then rejects and changes nothing. */
  cancelImport(): void;
  /** Forgets the local dataset (memory and IndexedDB); a session training on it goes on. */
  forgetLocal(): Promise<void>;
  /** Another tab replaced (facts) or forgot (null) the stored dataset: drop what this worker holds of it. */
  localChangedElsewhere(facts: LocalFacts | null): void;
  /** The worker's tensors and JS heap now, and its tensors right after the last step (`npm run soak` samples it). */
  memory(): MemorySnapshot & { resting: { numTensors: number; numBytes: number } | null };
}

/**
 * Hooks the e2e tests call, exposed by the worker only in a development build (the tests run
 * the Vite dev server): the production build leaves them out, so no page can reach them.
 */
export interface TrainingWorkerTestHooks {
  /** Destroys the WebGPU device as a driver reset would. False if not on WebGPU. */
  loseDeviceForTesting(): boolean;
}
