import type { LayersModel } from '@tensorflow/tfjs';
import { selectBackend, type BackendName } from '../tf/backends';
import type { ChunkPolicy } from './chunked-step';
import { ConfigError, parseRuns, parseTrainerConfig } from './config';
import { DeviceGuard } from './device-guard';
import {
  isClassification,
  loadSessionData,
  preparedTrainer,
  sessionInfo,
  type Loaded,
  type Race,
  type TaskData,
  type TaskProviders,
} from './session-data';
import type { Dataset } from '../data/dataset';
import type { TrainerConfig } from './config';
import { checkLiveChange, type LiveChange } from './live-change';
import { TrainingStopped, type PrepareOptions, type PrepareProgress, type ProbeSnapshot, type RunSpec, type StepReport } from './reports';
import { yieldToEvents } from './host-events';
import {
  EVALUATION_TEST_LIMIT,
  nonFinite,
  PROBE_INTERVAL_MS,
  ReportBatcher,
  SNAPSHOT_INTERVAL_MS,
  type EvaluationReport,
  type ReportBatch,
  type Recovery,
  type SessionInfo,
  type SessionState,
} from './session-reports';
import { SeedSet, type SeedSetSnapshot } from './seed-set';

/**
 * A training session: the trainer plus its lifecycle (configure, start, pause, step).
 * The page's Reset configures the same again (with the data it holds). No worker code: the worker exposes it over comlink, and Node tests drive it
 * directly. `fetchFn` and `siteUrl` say where the dataset and teacher files are.
 */
export class TrainingSession {
  private loaded: Loaded | null = null;
  private current: SessionState = 'idle';
  private stopRequested = false;
  private lastGood: SeedSetSnapshot | null = null;
  private readonly device = new DeviceGuard();
  /** Pause between steps in ms (the speed control); 0 = as fast as the backend goes. */
  private pace = 0;
  /** An epoch ended and its evaluation has not run yet (a pause stopped it): it runs first on resume. */
  private evaluationDue = false;

  /** Calls that read or replace the trainer run one at a time, in order (see {@link exclusive}). */
  private queue: Promise<unknown> = Promise.resolve();
  /** Counts configure calls; a preparation whose ticket is not the latest is superseded. */
  private configureTicket = 0;

  /**
   * `fetchFn` fetches the site's dataset and teacher files. `chunks` is how a slow step is
   * cut so that a pause lands within bounded work (see {@link ChunkPolicy}): the page paces
   * it by measured time; tests that compare steps bit for bit pin it (`whole`), since a cut
   * that follows the clock changes float rounding with the machine's load.
   */
  constructor(
    private readonly fetchFn: typeof fetch = fetch,
    private readonly chunks: ChunkPolicy = 'paced',
    private readonly tasks: TaskProviders = {},
  ) {}

  /** The facts of the local dataset the worker holds now (the one configurations are checked against), or null. */
  private localFacts() {
    return this.tasks.local?.factsNow() ?? null;
  }

  /** The local dataset the worker holds now, or null. */
  private localDataset() {
    return this.tasks.local?.datasetNow() ?? null;
  }

  /** The race of a configuration: a SeedSet, or the race of its task (detection on the digit scenes). */
  private buildRace(config: TrainerConfig, runs: RunSpec[], dataset: Dataset | TaskData, teacher: LayersModel | null): Race {
    if (config.dataset === 'scenes') {
      if (!this.tasks.scenes) throw new Error('dataset = scenes: this session cannot train detection');
      return this.tasks.scenes.build(config, runs, dataset as TaskData, teacher, this.chunks);
    }
    return new SeedSet(config, runs, dataset as Dataset, teacher, this.chunks);
  }

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
  configure(
    input: unknown,
    runInput: RunSpec[],
    siteUrl: string,
    onProgress?: (progress: PrepareProgress) => void,
    options: PrepareOptions = {},
  ): Promise<SessionInfo> {
    if (this.current === 'running') return Promise.reject(new Error('training is running: pause first'));
    // A newer configure supersedes one still preparing: that one stops at its next chunk.
    this.configureTicket++;
    const ticket = this.configureTicket;
    return this.exclusive(() => this.configureNow(input, runInput, siteUrl, onProgress, () => ticket !== this.configureTicket, options));
  }

  private async configureNow(
    input: unknown,
    runInput: RunSpec[],
    siteUrl: string,
    onProgress?: (progress: PrepareProgress) => void,
    superseded: () => boolean = () => false,
    options: PrepareOptions = {},
  ): Promise<SessionInfo> {
    if (this.current === 'running') throw new Error('training is running: pause first');
    const onLocal = (input as { dataset?: unknown } | null)?.dataset === 'local';
    // Reset of a run on one's own data: the data it started on, whatever another tab did to the stored one since.
    const own = options.sameData && onLocal && this.loaded?.localFacts ? this.loaded : null;
    // After a reload the local dataset is in IndexedDB: read it first, so the schema knows its classes and size.
    if (onLocal && !own && !this.tasks.local?.datasetNow()) await this.tasks.local?.ensure().catch(() => undefined);
    // Checked against the local dataset this worker holds (its classes, size and students), if any.
    const facts = own ? own.localFacts : this.localFacts();
    const config = parseTrainerConfig(input, facts);
    const runs = parseRuns(runInput, config, facts);
    // The same data (for the local dataset, the one loaded now, not one replaced since) is reused with its teacher.
    const same =
      this.loaded &&
      this.loaded.config.dataset === config.dataset &&
      (config.dataset !== 'local' || own !== null || this.loaded.dataset === this.localDataset());
    const reuse = same ? this.loaded : null;
    const needsTeacher = runs.some((r) => r.method.method !== 'ce');
    const { dataset, teacher, teacherTestAccuracy } =
      reuse && (reuse.teacher || !needsTeacher || (isClassification(reuse.dataset) && reuse.dataset.train.teacherLogits))
        ? reuse
        : await loadSessionData(config, needsTeacher, siteUrl, this.fetchFn, reuse?.dataset, this.tasks);
    // The teacher's logits now, with progress, rather than silently in the first step and
    // the first evaluation. A failure here leaves the current session as it was.
    const trainer = await preparedTrainer(
      () => this.buildRace(config, runs, dataset, teacher),
      (t) => t.prepare(onProgress, superseded, options),
      teacher === this.loaded?.teacher ? null : teacher,
    );
    if (this.loaded) {
      this.loaded.trainer.dispose();
      if (this.loaded.teacher && this.loaded.teacher !== teacher) this.loaded.teacher.dispose();
    }
    const localFacts = config.dataset === 'local' ? facts : null;
    this.loaded = { config, runs, initial: { config, runs }, changes: [], dataset, teacher, teacherTestAccuracy, trainer, siteUrl, localFacts };
    this.lastGood = null;
    this.evaluationDue = false;
    this.current = 'paused';
    return sessionInfo(this.loaded);
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
    const reports = new ReportBatcher(onReport, () => this.current);
    /** Pauses because the device was lost, and says so. */
    const lost = () => {
      this.current = 'paused';
      reports.send({ message: this.lostMessage(), reason: { kind: 'device-lost', fromStep: this.lastGood?.step ?? null } });
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
        return await this.device.whileAlive(work);
      } catch (error) {
        if (error instanceof TrainingStopped) return 'stopped';
        throw error;
      }
    };
    while (this.current === 'running' && (!session.trainer.done || this.evaluationDue)) {
      const { trainer } = session;
      if (this.evaluationDue) {
        // Every evaluation is on the first EVALUATION_TEST_LIMIT test samples (one test set per
        // curve, and it never stalls the steps for long); the last one, at the end of the budget,
        // on the whole split besides (`whole`), from the same predictions.
        // Said at once (the steps wait for it), then with progress at the report rate.
        reports.evaluating = { done: 0, total: 0 };
        reports.send();
        const evaluated = await stoppable(
          trainer.evaluate({
            testLimit: EVALUATION_TEST_LIMIT,
            whole: trainer.done,
            stop: stopped,
            onProgress: (done, total) => {
              reports.evaluating = { done, total };
              reports.sendIfDue();
            },
          }),
        );
        reports.evaluating = null;
        if (evaluated === 'stopped') break;
        const probed = evaluated ? await this.device.whileAlive(trainer.probeSnapshot()) : null;
        if (!evaluated || !probed) return lost();
        this.evaluationDue = false;
        reports.addEvaluations(evaluated);
        reports.setProbe(probed);
        lastProbe = performance.now();
        reports.sendIfDue();
        continue;
      }
      if (performance.now() - lastSnapshot >= SNAPSHOT_INTERVAL_MS) {
        const snapshot = await this.device.whileAlive(trainer.snapshot());
        if (snapshot) this.lastGood = snapshot;
        lastSnapshot = performance.now();
      }
      const report = await stoppable(trainer.trainStepUnlessStopped(stopped));
      if (report === 'stopped') break;
      if (!report) return lost();
      reports.addStep(report);
      const problem = nonFinite(report);
      if (problem) {
        this.current = 'paused';
        reports.send({ message: `paused: ${problem}`, reason: { kind: 'non-finite' } });
        return;
      }
      if (trainer.done || trainer.currentStep % trainer.stepsPerEpoch === 0) this.evaluationDue = true;
      else if (performance.now() - lastProbe >= PROBE_INTERVAL_MS) {
        const probed = await this.device.whileAlive(trainer.probeSnapshot());
        if (!probed) return lost();
        reports.setProbe(probed);
        lastProbe = performance.now();
      }
      reports.sendIfDue();
      if (this.pace > 0) await new Promise((resolve) => setTimeout(resolve, this.pace));
      else await yieldToEvents();
    }
    if (this.stopRequested) {
      reports.send();
      this.dispose();
      return;
    }
    if (session.trainer.done && !this.evaluationDue) this.current = 'done';
    reports.send();
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
    this.device.lose(reason);
  }

  private lostMessage(): string {
    const from = this.lastGood ? `step ${this.lastGood.step}` : 'the start';
    return `paused: the GPU device was lost (${this.device.lostReason}); recover to continue on another backend from the last good weights (${from})`;
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
    if (session.config.dataset === 'local' && session.dataset !== this.localDataset()) {
      throw new Error(
        'the local dataset was replaced since this run started: its last good weights belong to the old one; Apply to train on the new one',
      );
    }
    const backend = await selectBackend(order);
    // The old tensors lived on the lost backend: they are dropped, not read.
    const { config, runs, siteUrl } = session;
    const { dataset, teacher } = await loadSessionData(
      config,
      runs.some((r) => r.method.method !== 'ce'),
      siteUrl,
      this.fetchFn,
      undefined,
      this.tasks,
    );
    // The teacher's logits and the kernels' warm-up now, as at configure: not inside the first step after recovery.
    const trainer = await preparedTrainer(
      () => this.buildRace(config, runs, dataset, teacher),
      (t) => t.prepare(onProgress),
      teacher,
    );
    if (this.lastGood) await trainer.restore(this.lastGood);
    this.loaded = { ...session, dataset, teacher, trainer };
    this.device.reset();
    this.current = trainer.done ? 'done' : 'paused';
    return { backend, resumedAtStep: trainer.currentStep, stepsLost: reachedStep - trainer.currentStep };
  }

  /** Every run's test-set metrics now: on the curves' test samples, and on the whole split. */
  evaluate(): Promise<EvaluationReport[]> {
    return this.exclusive(() => this.session().trainer.evaluate({ testLimit: EVALUATION_TEST_LIMIT, whole: true }));
  }

  /** `work` given the configured session's parts, between steps (a student's export and the reproduction bundle read them). */
  withLoaded<T>(work: (loaded: Loaded) => Promise<T>): Promise<T> {
    return this.exclusive(() => work(this.session()));
  }

  /** The probe charts follow `seed` (one of the race's seeds) from the next probe on. */
  followSeed(seed: number): void {
    this.session().trainer.followSeed(seed);
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
    const next = checkLiveChange(session.config, session.runs, change, this.localFacts());
    session.changes.push({ fromStep: session.trainer.adjust(change), change: { ...change } });
    session.config = next.config;
    session.runs = next.runs;
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
