// The page's side of the worker: the only module that calls the worker API (through the
// bridge). It turns user actions into calls and worker reports into store updates,
// applied at most every FLUSH_MS.
import * as Comlink from 'comlink';
import type { MeasuredEvaluation } from '../../reproduce/bundle';
import type { BackendName, LiveChange, MemorySnapshot, PrepareOptions, PrepareProgress, ReportBatch, StudentExport } from '../../worker/api';
import { isConvolutional } from '../../models/catalog';
import { startTrainingWorker } from '../../worker/bridge';
import { CHAPTERS } from '../../lessons/chapters';
import { LocalDataActions } from './local-data';
import { StepRate } from './step-rate';
import { applyReports } from './report-flush';
import { runsOf, samePage, type PageConfig } from '../../config/page-config';
import { toHash } from '../../config/link';
import { seedsOf } from '../../train/config';
import { appendProbe, emptyLive, FLUSH_MS, useSession } from './session-store';
import { applyLiveChange } from '../../train/live-change';
import { keepForOffline, unavailableOffline } from '../offline';
import { messageOf } from '../../data/text';

type Worker = ReturnType<typeof startTrainingWorker>;

/** An MLP student (where WASM cannot start, the CPU backend beats a software GPU for these; WebGL for CNN students). */
const isMlp = (page: PageConfig) => !isConvolutional(page.config.student, useSession.getState().local);

/** How long the worker may take to load TF.js and start a backend before the page says it failed. */
const WORKER_START_S = 60;

export class Controller {
  private worker: Worker | null = null;
  private pending: ReportBatch[] = [];
  private flushTimer: ReturnType<typeof setInterval> | null = null;
  /** Steps per second over the last few seconds. */
  private readonly rate = new StepRate();
  private running: Promise<void> | null = null;
  /** Counts applies: a slower, older apply must not overwrite what a newer one set. */
  private applies = 0;
  /** Why the last Apply was refused (said in a chapter that could not open); null after one that went through. */
  private lastRefusal: string | null = null;

  /** Whether the link forced the backend; if not, which kind of student it was picked for. */
  private forced = false;
  private pickedForMlp = true;

  private get store() {
    return useSession.getState();
  }

  /** The training worker's API (for this module and local-data.ts only). */
  get api() {
    if (!this.worker) throw new Error('the training worker is not started');
    return this.worker.api;
  }

  /** Whether the training worker has been started. */
  get started(): boolean {
    return this.worker !== null;
  }

  /** "Your data": import, cancel, forget, and another tab's change (local-data.ts). */
  readonly local = new LocalDataActions(this);

  async init(backend: BackendName | null): Promise<void> {
    this.worker = startTrainingWorker();
    try {
      // The worker's start is watched: a script that fails to load, or no answer at all, is an error that says so.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the training worker did not answer within ${WORKER_START_S} s: reload the page, or add backend=cpu to the link`)),
          WORKER_START_S * 1000,
        );
      });
      this.forced = backend !== null;
      this.pickedForMlp = isMlp(this.store.draft);
      const info = await Promise.race([
        this.api.initBackend(backend ? [backend] : undefined, { mlp: this.pickedForMlp }),
        this.worker.failed,
        timeout,
      ]).finally(() => clearTimeout(timer));
      this.store.setBackend({ status: 'ready', info });
    } catch (error) {
      this.store.setBackend({ status: 'failed', message: messageOf(error) });
      return;
    }
    this.flushTimer = setInterval(() => this.flush(), FLUSH_MS);
    // A lesson link to a chapter that only reads the probe prepares only that, as opening it does.
    const lesson = this.store.lesson === null ? null : CHAPTERS[this.store.lesson];
    const probeOnly = lesson?.prepares === 'probe' && lesson.page !== null && samePage(lesson.page, this.store.draft);
    await this.apply(this.store.draft, probeOnly ? { testLogits: false } : {});
  }

  dispose(): void {
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.worker?.terminate();
    this.worker = null;
  }

  /**
   * Opens lesson chapter `index`: its charts, and its configuration applied, unless that is
   * what already trains (chapters that share a configuration keep the run going). The last
   * chapter keeps whatever is loaded.
   */
  async openChapter(index: number): Promise<void> {
    const chapter = CHAPTERS[Math.max(0, Math.min(index, CHAPTERS.length - 1))];
    const { store } = this;
    // A chapter with a run of its own: the run that trains is paused first, so the chapter
    // opens in the same render as "preparing" and never shows the previous chapter's reports.
    const changes = chapter.page !== null && !(store.applied && samePage(store.applied.page, chapter.page));
    if (changes && store.status === 'running') await this.pause();
    const lesson = CHAPTERS.indexOf(chapter);
    store.openChapter(lesson);
    if (!chapter.page) return;
    // A chapter that only reads the probe prepares only that (not the teacher's logits on the whole test split).
    await this.applyIfNew(chapter.page, chapter.prepares === 'probe' ? { testLogits: false } : {});
    // Refused (offline, its data never opened here): the chapter says so instead of showing the previous run under its text.
    const now = useSession.getState();
    if (now.lesson === lesson && !(now.applied && samePage(now.applied.page, chapter.page)) && now.status !== 'loading')
      store.chapterRefused(this.lastRefusal ?? 'its configuration could not be prepared');
  }

  /** Applies `page` unless it is exactly the configuration that trains now (a lesson variant or chapter). */
  async applyIfNew(page: PageConfig, options: PrepareOptions = {}): Promise<void> {
    const { store } = this;
    store.setDraft(structuredClone(page));
    if (store.applied && samePage(store.applied.page, page)) return;
    await this.apply(structuredClone(page), options);
  }

  /** The worker's tensors and heap now (`npm run soak` samples it through the page). */
  memory(): Promise<MemorySnapshot & { resting: { numTensors: number; numBytes: number } | null }> {
    return Promise.resolve(this.api.memory());
  }

  /** Back to free play: every panel again, the configuration kept as it is. */
  leaveLesson(): void {
    this.store.openChapter(null);
  }

  /** The configuration that trains, again with `seeds` seeds (the summary's offer of a verdict on the methods): a new session at step 0. */
  async trainSeeds(seeds: number): Promise<void> {
    const { applied } = this.store;
    if (!applied) return;
    const page = structuredClone(applied.page);
    page.config.seeds = seeds;
    this.store.setDraft(page);
    await this.apply(page);
  }

  /** Sends the draft to the worker: a new session at step 0. A refused draft changes nothing. */
  async apply(page: PageConfig = this.store.draft, options: PrepareOptions = {}): Promise<void> {
    const { store } = this;
    if (store.status === 'lost') {
      // A configure now would land on the dead device and drop the last good weights.
      store.notify(
        'error',
        'the GPU device was lost: continue on WebGL/CPU first (the button in the notice), then Apply or Reset; nothing was changed',
      );
      return;
    }
    let runs;
    try {
      // Reset restarts on the data the runs trained on (the stored dataset of one's own may have changed in another tab).
      runs = runsOf(page, options.sameData && store.applied?.local ? store.applied.local : store.local);
    } catch (error) {
      store.notify('error', `not applied: ${messageOf(error)}`);
      return;
    }
    const generation = ++this.applies;
    const wasRunning = store.status === 'running';
    if (wasRunning) await this.pause();
    const previous = useSession.getState().status;
    store.setStatus('loading');
    try {
      // Data that cannot load here (offline, never opened): refused before anything changes.
      const unavailable = await unavailableOffline(page.config.dataset);
      if (unavailable) throw new Error(unavailable);
      // On a software GPU WASM trains both kinds of student; where it could not start, the
      // fallback depends on the student (the CPU backend for MLPs, WebGL for CNNs): switch
      // when this configuration is of the other kind.
      const backendNow = useSession.getState().backend;
      const softwareGpu = backendNow.status === 'ready' && backendNow.info.skipped.some((s) => s.software) && backendNow.info.backend !== 'wasm';
      if (!this.forced && softwareGpu && isMlp(page) !== this.pickedForMlp) {
        this.pickedForMlp = isMlp(page);
        store.setPreparing({ what: 'switching to the fastest backend for this student', done: 0, total: 0 });
        const info = await this.api.initBackend(undefined, { mlp: this.pickedForMlp });
        store.setBackend({ status: 'ready', info });
      }
      const siteUrl = new URL('./', document.baseURI).href;
      store.setPreparing({ what: 'loading the dataset and the teacher', done: 0, total: 0 });
      const info = await this.api.configure(
        page.config,
        runs,
        siteUrl,
        Comlink.proxy((progress: PrepareProgress) => {
          if (generation === this.applies) useSession.getState().setPreparing(progress);
        }),
        options,
      );
      if (generation !== this.applies) return;
      this.lastRefusal = null;
      this.pending = [];
      this.rate.restart();
      store.sessionApplied(
        { page, info, local: page.config.dataset === 'local' ? (options.sameData ? (store.applied?.local ?? store.local) : store.local) : null },
        emptyLive(seedsOf(page.config)),
        runs.find((r) => r.id === 'pcd')?.id ?? runs.at(-1)!.id,
      );
      // Used once online, kept for the lecture hall's network (the built site's service worker serves it offline).
      void keepForOffline(page.config.dataset).catch(() => undefined);
    } catch (error) {
      if (generation !== this.applies) return;
      // Refused: the session is untouched; a run that was going goes on.
      store.applyRefused(previous === 'loading' ? 'empty' : previous);
      this.lastRefusal = messageOf(error);
      store.notify('error', `not applied: ${messageOf(error)}`);
      if (wasRunning) void this.play();
      return;
    }
    // The charts start from the untrained students.
    try {
      const probe = await this.api.probe();
      if (generation !== this.applies || useSession.getState().live.probes.length) return;
      appendProbe(useSession.getState().live, probe);
      this.bump();
    } catch (error) {
      if (generation === this.applies) store.notify('warning', `no first probe: ${messageOf(error)}`);
    }
  }

  async play(): Promise<void> {
    if (this.stepping) await this.stepping;
    const { store } = this;
    if (!store.applied || store.status === 'running' || store.status === 'loading' || store.status === 'done' || store.status === 'lost') return;
    // A chapter that could not prepare its run does not train the previous one under its text.
    if (store.lesson !== null && store.chapterUnavailable) return;
    store.setStatus('running');
    this.rate.restart(performance.now(), store.step);
    this.running = this.api
      .start(Comlink.proxy((batch: ReportBatch) => void this.pending.push(batch)))
      .catch((error: unknown) => {
        this.store.notify('error', `training stopped: ${messageOf(error)}`);
        this.store.setStatus('paused');
      })
      .finally(() => {
        this.flush();
        this.running = null;
      });
  }

  async pause(): Promise<void> {
    await this.api.pause();
    await this.running;
    this.flush();
  }

  /** A single step in progress: Play waits for it, so its report lands before the loop's. */
  private stepping: Promise<void> | null = null;

  async step(): Promise<void> {
    const { store } = this;
    if (!store.applied || store.status !== 'paused' || this.stepping || (store.lesson !== null && store.chapterUnavailable)) return;
    this.stepping = (async () => {
      try {
        const report = await this.api.step();
        // The report goes in at once, before any other await, so nothing can come between.
        this.pending.push({ state: 'paused', steps: [report], evaluations: [] });
        const bad = report.runs.find((r) => !Number.isFinite(r.loss) || Object.values(r.terms).some((t) => !Number.isFinite(t)));
        if (bad)
          store.notify('warning', `run ${bad.id}, step ${report.step}: the loss is ${bad.loss} (not finite); lower the learning rate or reset`);
        const state = await this.api.state();
        this.pending.push({ state, steps: [], evaluations: [], probe: await this.api.probe() });
        this.flush();
      } catch (error) {
        store.notify('error', messageOf(error));
      } finally {
        this.stepping = null;
      }
    })();
    await this.stepping;
  }

  /** Every run on the test split now (while paused), added to the evaluations like an epoch's. */
  async evaluateNow(): Promise<void> {
    const { store } = this;
    if (!store.applied || store.status !== 'paused') return;
    try {
      const evaluations = await this.api.evaluate();
      this.pending.push({ state: await this.api.state(), steps: [], evaluations });
      this.flush();
    } catch (error) {
      store.notify('error', `evaluation failed: ${messageOf(error)}`);
    }
  }

  /** The applied configuration again from step 0, on the data it trained on. */
  async reset(): Promise<void> {
    if (!this.store.applied) return;
    if (this.store.status === 'running') await this.pause();
    await this.apply(this.store.applied.page, { sameData: true });
  }

  async setPace(ms: number): Promise<void> {
    try {
      await this.api.setPace(ms);
      this.store.setPace(ms);
    } catch (error) {
      this.store.notify('error', messageOf(error));
    }
  }

  /** A live change of τ, α or the learning rate; a refused one is reported (and its reason returned) and the run goes on. */
  async change(change: LiveChange): Promise<true | string> {
    try {
      await this.api.change(change);
      // One source of truth: the running configuration, the setup panel's draft (and so the
      // URL and Copy link) and what Reset restarts all take the changed values.
      const withChange = (config: PageConfig['config']) => applyLiveChange(config, change);
      const { applied, draft } = this.store;
      if (applied) {
        this.store.setAppliedPage({ ...applied.page, config: withChange(applied.page.config) });
        this.store.setDraft({ ...draft, config: withChange(draft.config) });
      }
      this.store.notify(
        'info',
        `changed ${Object.entries(change)
          .map(([k, v]) => `${k} = ${v}`)
          .join(', ')} from step ${this.store.step}`,
      );
      return true;
    } catch (error) {
      this.store.notify('error', `change refused: ${messageOf(error)}`);
      return messageOf(error);
    }
  }

  async recover(): Promise<void> {
    try {
      const recovery = await this.api.recover();
      this.store.recovered(recovery.resumedAtStep, recovery.backend);
      this.store.notify(
        'warning',
        `continued on ${recovery.backend.backend} from step ${recovery.resumedAtStep} (${recovery.stepsLost} steps lost with the device)`,
      );
    } catch (error) {
      this.store.notify('error', `recovery failed: ${messageOf(error)}`);
    }
  }

  exportStudent(id: string, seed?: number): Promise<StudentExport> {
    return this.api.exportStudent(id, seed);
  }

  /** "Reproduce this run" as a .zip (see TrainingWorkerApi.reproduction). */
  reproduction(evaluations: MeasuredEvaluation[], folder: string): Promise<Uint8Array> {
    return this.api.reproduction(evaluations, folder);
  }

  /**
   * The probe, per-class and agreement charts follow `seed` (one of the applied race's): its
   * probe history starts over from a probe now (while paused) or the next one training takes.
   */
  async followSeed(seed: number): Promise<void> {
    const { store } = this;
    const { live } = store;
    if (!store.applied || live.seed === seed || !live.bySeed.has(seed)) return;
    live.seed = seed;
    live.probes = [];
    store.liveChanged(true);
    try {
      await this.api.followSeed(seed);
      if (this.store.status === 'running' || this.store.status === 'loading') return;
      const probe = await this.api.probe();
      appendProbe(useSession.getState().live, probe);
      this.bump();
    } catch (error) {
      this.store.notify('warning', `seed ${seed}: ${messageOf(error)}`);
    }
  }

  /** The URL of this configuration (hash included), for sharing. */
  shareUrl(page: PageConfig): string {
    const { hide, backend } = this.store;
    const forced = backend.status === 'ready' && new URLSearchParams(location.hash.slice(1)).get('backend') ? backend.info.backend : null;
    return `${location.href.split('#')[0]}${toHash(page, { hide, backend: forced })}`;
  }

  private bump(): void {
    this.store.liveChanged();
  }

  /** Applies the reports received since the last flush in one store update (report-flush.ts). */
  private flush(): void {
    if (!this.pending.length) return;
    const batches = this.pending;
    this.pending = [];
    applyReports(batches, this.rate);
  }
}
