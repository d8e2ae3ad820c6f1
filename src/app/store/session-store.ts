// The UI's single source of truth (zustand). Worker reports are appended to `live` (the
// writer's record: appendSteps, appendEvaluations, appendProbe) at most FLUSH_MS apart, and
// each change publishes a new `LiveFrame` for the charts to subscribe to, so they redraw at
// a bounded rate whatever the step rate, and a chart's memo depends on the frame it reads.
import { create } from 'zustand';
import type { LocalFacts } from '../../models/catalog';
import { ConfigError, parseTrainerConfig } from '../../train/config';
import type { BackendInUse, EvaluationReport, PrepareProgress, ProbeSnapshot, SessionInfo, StepReport } from '../../worker/api';
import { runsOf, type Hideable, type PageConfig } from '../../config/page-config';
import type { ViewChart } from '../../config/types';
import { DEFAULT_PRESET } from '../../config/presets';
import { messageOf } from '../../data/text';

export const FLUSH_MS = 250;
/** Probe snapshots kept for history scrubbing; past this, every other older one is dropped. */
export const HISTORY_LIMIT = 120;
/** Points per run kept for the loss curves; past this, every other one is dropped. */
export const SERIES_LIMIT = 4000;

export type BackendState = { status: 'starting' } | { status: 'ready'; info: BackendInUse } | { status: 'failed'; message: string };
export type RunStatus = 'empty' | 'loading' | 'paused' | 'running' | 'done' | 'lost';

export interface RunSeries {
  steps: number[];
  loss: number[];
  terms: Record<string, number[]>;
  stageLosses: number[][];
}

/** One seed's loss series (by run id) and evaluations. */
export interface SeedLive {
  series: Record<string, RunSeries>;
  evaluations: EvaluationReport[];
}

/**
 * What the worker reported, kept per seed. `series` and `evaluations` are those of the
 * followed seed (`seed`), which the probe, per-class and agreement charts show; the curves
 * and the summary read every seed (`bySeed`). Probes are the followed seed's.
 */
export class LiveData {
  readonly bySeed = new Map<number, SeedLive>();
  probes: ProbeSnapshot[] = [];
  seed: number;

  constructor(seeds: readonly number[] = [1]) {
    for (const seed of seeds) this.of(seed);
    this.seed = seeds[0] ?? 1;
  }

  /** A seed's record (made on first use). */
  of(seed: number): SeedLive {
    let entry = this.bySeed.get(seed);
    if (!entry) this.bySeed.set(seed, (entry = { series: {}, evaluations: [] }));
    return entry;
  }

  get seeds(): number[] {
    return [...this.bySeed.keys()].sort((a, b) => a - b);
  }

  get series(): Record<string, RunSeries> {
    return this.of(this.seed).series;
  }

  get evaluations(): EvaluationReport[] {
    return this.of(this.seed).evaluations;
  }

  /** Every seed's evaluations, seed by seed. */
  allEvaluations(): EvaluationReport[] {
    return this.seeds.flatMap((seed) => this.of(seed).evaluations);
  }
}

/**
 * The live data as one change left it: the store publishes a new frame for every change
 * (`frame`: any report; `evaluationsFrame`: only new evaluations or another followed seed),
 * and a chart reads the data through the frame it subscribed to. A frame is a view of the
 * record, not a copy (copying every series at each flush would cost more than the redraws);
 * the record only grows or thins between frames, in the store's own update.
 */
export interface LiveFrame {
  readonly live: LiveData;
}

export interface Notice {
  id: number;
  kind: 'info' | 'warning' | 'error';
  text: string;
  /** A button beside the text (a notice with one stays until dismissed or used). */
  action?: { label: string; run: () => void };
}

export interface SessionStore {
  backend: BackendState;
  /** The configuration being edited (the URL hash follows it while it is valid). */
  draft: PageConfig;
  draftErrors: Record<string, string>;
  /** The configuration the worker trains, with what it said of it. */
  /** What trains: its page config (live changes included), the worker's account of it, and the facts of the dataset of one's own it trains on. */
  applied: { page: PageConfig; info: SessionInfo; local?: LocalFacts | null } | null;
  status: RunStatus;
  /** What an Apply is waiting for (dataset and teacher, the teacher's logits), with progress. */
  preparing: PrepareProgress | null;
  step: number;
  epoch: number;
  throughput: { stepsPerSecond: number; samplesPerSecond: number } | null;
  /** The steps per second last measured in this session (kept once it has finished, for estimates of another run like it). */
  lastStepsPerSecond: number | null;
  pace: number;
  notices: Notice[];
  hide: Hideable[];
  /** The presentation view (`present=1`): the whole width, type and strokes scaled for projection. */
  present: boolean;
  /** The chart the presentation view draws large (`present=<chart>`); null: the chapter's, else the loss and accuracy. */
  presentLarge: ViewChart | null;
  /** Why the lesson chapter shown could not prepare its run (offline, its data never opened here), or null. */
  chapterUnavailable: string | null;
  /** The lesson chapter shown (0-based), or null in free play. */
  lesson: number | null;
  /** The PCD inspector (your own logits file) is open instead of the playground. */
  inspector: boolean;
  /** The dataset of one's own kept in this browser (src/import/), or null. */
  local: LocalFacts | null;
  /** The "Your data" panel is open. */
  localPanel: boolean;
  /** What loading one's own dataset is doing, with progress. */
  localProgress: PrepareProgress | null;
  /** The writer's record of the reports (the controller and report-flush.ts append to it); charts read `frame`. */
  live: LiveData;
  /** The live data after its latest change (a new object each time). */
  frame: LiveFrame;
  /** The live data after its latest change of evaluations or followed seed: what the evaluation charts redraw on. */
  evaluationsFrame: LiveFrame;
  /** Index into live.probes shown by the probe charts; null follows the latest. */
  historyIndex: number | null;
  probeSample: number;
  rankingMode: 'sample' | 'average';
  selectedStage: number;
  /** In a scheduled mode, the probe charts show the stage that trains (true) until a stage is picked. */
  stageFollowsSchedule: boolean;
  /** The temperature chart's τ (chapter 1's slider; its cue quotes it). */
  probeTemperature: number;
  /** An evaluation under way while training (the steps wait for it): samples done, of all. */
  evaluating: { done: number; total: number } | null;
  selectedRun: string | null;
  setDraft: (draft: PageConfig) => void;
  notify: (kind: Notice['kind'], text: string, action?: Notice['action']) => void;
  dismiss: (id: number) => void;
  // What the panels and charts do: one named action each.
  /** The dataset of one's own kept in this browser (null: none), as the page reads it or an import leaves it. */
  setLocal: (facts: LocalFacts | null) => void;
  /** Opens or closes "Your data". */
  openLocalPanel: (open: boolean) => void;
  togglePresent: () => void;
  /** Draws this chart large in the presentation view. */
  enlarge: (chart: ViewChart) => void;
  toggleInspector: () => void;
  /** Shows a kept probe snapshot (null: follow training). */
  showSnapshot: (index: number | null) => void;
  pickProbeSample: (sample: number) => void;
  pickRun: (id: string) => void;
  /** A stage for the probe charts, or `follow` the stage a schedule trains. */
  pickStage: (stage: number | 'follow') => void;
  setRankingMode: (mode: 'sample' | 'average') => void;
  setProbeTemperature: (temperature: number) => void;
  // What the controller does as the worker answers (controller.ts, report-flush.ts, local-data.ts, hash-sync.ts): one named action each.
  /** The backend the worker started (or recovered on), or why none started. */
  setBackend: (backend: BackendState) => void;
  /** The state of the run: training, paused, preparing a configuration, done, lost. */
  setStatus: (status: RunStatus) => void;
  /** What an Apply waits for, with progress (null: nothing). */
  setPreparing: (preparing: PrepareProgress | null) => void;
  /** A configuration refused: the run's state as before it, nothing preparing. */
  applyRefused: (status: RunStatus) => void;
  /** A configuration applied: its session from step 0, the charts emptied and their pickers reset. */
  sessionApplied: (applied: NonNullable<SessionStore['applied']>, live: LiveData, firstRun: string) => void;
  /** The applied configuration after a live change (Setup, the link and Reset then agree). */
  setAppliedPage: (page: PageConfig) => void;
  /** Training continued after a lost device, on another backend, from a saved step. */
  recovered: (step: number, backend: BackendInUse) => void;
  /** The reports of one flush applied (report-flush.ts): the counters, the rate, and a new frame (a new evaluations frame where `evaluated`). */
  reportsApplied: (
    fields: Pick<SessionStore, 'status' | 'step' | 'epoch' | 'evaluating' | 'lastStepsPerSecond' | 'throughput'>,
    evaluated: boolean,
  ) => void;
  /** `live` changed outside a flush (a probe, or `followedSeed`: another seed followed, which leaves the history slider and redraws the evaluation charts too). */
  liveChanged: (followedSeed?: boolean) => void;
  setPace: (pace: number) => void;
  /** A chapter opened (null: back to free play); any earlier refusal of a chapter is forgotten. */
  openChapter: (lesson: number | null) => void;
  /** Why the chapter shown could not prepare its run. */
  chapterRefused: (reason: string) => void;
  /** What a link sets besides the configuration (src/config/link.ts). */
  linkRead: (fields: Pick<SessionStore, 'hide' | 'lesson' | 'present' | 'presentLarge'>) => void;
  /** An import of one's own data under way, with progress (null: none). */
  setLocalProgress: (progress: PrepareProgress | null) => void;
}

/** Nothing reported yet, for a race on `seeds` (the first is followed). */
export function emptyLive(seeds: readonly number[] = [1]): LiveData {
  return new LiveData(seeds);
}

/** Every field the schema refuses in a page config, keyed by field path (`local`: the local dataset this page has loaded). */
export function draftErrors(page: PageConfig, local: LocalFacts | null): Record<string, string> {
  try {
    runsOf({ ...page, config: parseTrainerConfig(page.config, local) }, local);
    return {};
  } catch (error) {
    if (error instanceof ConfigError) return Object.fromEntries(error.fields.map((f) => [f.field, f.message]));
    return { '(config)': messageOf(error) };
  }
}

let noticeId = 0;

const initialLive = emptyLive();

export const useSession = create<SessionStore>()((set) => ({
  backend: { status: 'starting' },
  draft: structuredClone(DEFAULT_PRESET.page),
  draftErrors: {},
  applied: null,
  status: 'empty',
  preparing: null,
  step: 0,
  epoch: 0,
  throughput: null,
  lastStepsPerSecond: null,
  pace: 0,
  notices: [],
  hide: [],
  present: false,
  presentLarge: null,
  chapterUnavailable: null,
  lesson: null,
  inspector: false,
  local: null,
  localPanel: false,
  localProgress: null,
  live: initialLive,
  frame: { live: initialLive },
  evaluationsFrame: { live: initialLive },
  historyIndex: null,
  probeSample: 0,
  rankingMode: 'sample',
  selectedStage: 3,
  stageFollowsSchedule: true,
  probeTemperature: 1,
  evaluating: null,
  selectedRun: null,
  setDraft: (draft) => set((state) => ({ draft, draftErrors: draftErrors(draft, state.local) })),
  // The same text again moves to the end instead of stacking up; at most 20 are kept.
  notify: (kind, text, action) =>
    set((state) => ({
      notices: [...state.notices.filter((n) => n.text !== text).slice(-19), { id: ++noticeId, kind, text, ...(action ? { action } : {}) }],
    })),
  dismiss: (id) => set((state) => ({ notices: state.notices.filter((n) => n.id !== id) })),
  setLocal: (facts) => set({ local: facts }),
  openLocalPanel: (open) => set({ localPanel: open }),
  togglePresent: () => set((state) => ({ present: !state.present })),
  enlarge: (chart) => set({ presentLarge: chart }),
  toggleInspector: () => set((state) => ({ inspector: !state.inspector })),
  showSnapshot: (index) => set({ historyIndex: index }),
  pickProbeSample: (sample) => set({ probeSample: sample }),
  pickRun: (id) => set({ selectedRun: id }),
  pickStage: (stage) => set(stage === 'follow' ? { stageFollowsSchedule: true } : { selectedStage: stage, stageFollowsSchedule: false }),
  setRankingMode: (mode) => set({ rankingMode: mode }),
  setProbeTemperature: (temperature) => set({ probeTemperature: temperature }),
  setBackend: (backend) => set({ backend }),
  setStatus: (status) => set({ status }),
  setPreparing: (preparing) => set({ preparing }),
  applyRefused: (status) => set({ status, preparing: null }),
  sessionApplied: (applied, live, firstRun) =>
    set(() => {
      const method = applied.page.config.method;
      return {
        applied,
        status: 'paused',
        step: 0,
        epoch: 0,
        throughput: null,
        lastStepsPerSecond: null,
        live,
        frame: { live },
        evaluationsFrame: { live },
        historyIndex: null,
        probeSample: 0,
        selectedStage: method.method === 'pcd' ? method.stages : 1,
        stageFollowsSchedule: true,
        selectedRun: firstRun,
        preparing: null,
        chapterUnavailable: null,
      };
    }),
  setAppliedPage: (page) => set((state) => (state.applied ? { applied: { ...state.applied, page } } : {})),
  recovered: (step, backend) => set({ status: 'paused', step, backend: { status: 'ready', info: backend } }),
  reportsApplied: (fields, evaluated) =>
    set((state) => ({ ...fields, frame: { live: state.live }, ...(evaluated ? { evaluationsFrame: { live: state.live } } : {}) })),
  liveChanged: (followedSeed = false) =>
    set((state) => ({
      frame: { live: state.live },
      ...(followedSeed ? { historyIndex: null, evaluationsFrame: { live: state.live } } : {}),
    })),
  setPace: (pace) => set({ pace }),
  openChapter: (lesson) => set({ lesson, chapterUnavailable: null }),
  chapterRefused: (reason) => set({ chapterUnavailable: reason }),
  linkRead: (fields) => set(fields),
  setLocalProgress: (progress) => set({ localProgress: progress }),
}));

/** Appends step reports to the live series (halving a series that grows past SERIES_LIMIT). */
export function appendSteps(live: LiveData, steps: StepReport[]): void {
  for (const report of steps) {
    for (const run of report.runs) {
      const series = (live.of(run.seed).series[run.id] ??= { steps: [], loss: [], terms: {}, stageLosses: [] });
      series.steps.push(report.step);
      series.loss.push(run.loss);
      for (const [name, value] of Object.entries(run.terms)) (series.terms[name] ??= []).push(value);
      if (run.stageLosses) series.stageLosses.push(run.stageLosses);
      if (series.steps.length > SERIES_LIMIT) {
        const last = series.steps.length - 1;
        const keep = (_: unknown, i: number) => i % 2 === 1 || i === last;
        series.steps = series.steps.filter(keep);
        series.loss = series.loss.filter(keep);
        for (const name of Object.keys(series.terms)) series.terms[name] = series.terms[name].filter(keep);
        series.stageLosses = series.stageLosses.filter(keep);
      }
    }
  }
}

/** Confusion matrices and per-class accuracies kept per run (the newest ones); older evaluations keep their scalar metrics. */
export const CONFUSIONS_KEPT = 2;
/** Evaluations kept per run; past this, every other older one is dropped (the newest and the first stay). */
export const EVALUATIONS_LIMIT = 1000;

/**
 * Appends evaluations to their seeds' records, dropping the confusion matrix (C × C counts,
 * 40 kB at 100 classes), the per-class accuracies (C numbers) and the per-sample correctness
 * of all but each run's newest few, and halving a run's older evaluations past
 * EVALUATIONS_LIMIT, so page memory levels off however long a run lasts (the soak test
 * measures it).
 */
export function appendEvaluations(live: LiveData, evaluations: EvaluationReport[]): void {
  const seeds = new Set(evaluations.map((e) => e.seed));
  for (const seed of seeds)
    thinEvaluations(
      live.of(seed),
      evaluations.filter((e) => e.seed === seed),
    );
}

function thinEvaluations(live: SeedLive, evaluations: EvaluationReport[]): void {
  live.evaluations.push(...evaluations);
  const seen = new Map<string, number>();
  for (let i = live.evaluations.length - 1; i >= 0; i--) {
    const e = live.evaluations[i];
    const count = (seen.get(e.id) ?? 0) + 1;
    seen.set(e.id, count);
    if (count > CONFUSIONS_KEPT) {
      if (e.confusion.length === 0 && e.perClassAccuracy.length === 0) break; // everything older was thinned before
      live.evaluations[i] = {
        ...e,
        confusion: new Int32Array(0),
        perClassAccuracy: [],
        correct: new Uint8Array(0),
        ...(e.whole ? { whole: { ...e.whole, correct: new Uint8Array(0) } } : {}),
      };
    }
  }
  const counts = new Map<string, number>();
  for (const e of live.evaluations) counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
  for (const [id, count] of counts) {
    if (count <= EVALUATIONS_LIMIT) continue;
    // Every other one of this run's evaluations, except its first and its newest.
    const own = live.evaluations.filter((e) => e.id === id);
    const drop = new Set(own.filter((_, k) => k % 2 === 1 && k < own.length - 1));
    live.evaluations = live.evaluations.filter((e) => !drop.has(e));
  }
}

/** Keeps a bounded probe history that still spans the whole run (older entries thinned). */
export function appendProbe(live: LiveData, probe: ProbeSnapshot): void {
  // A probe of the seed followed before a switch, still on its way: not this seed's history.
  if (probe.seed !== live.seed) return;
  if (live.probes.at(-1)?.step === probe.step) live.probes[live.probes.length - 1] = probe;
  else live.probes.push(probe);
  if (live.probes.length > HISTORY_LIMIT) {
    const half = Math.floor(live.probes.length / 2);
    live.probes = [...live.probes.slice(0, half).filter((_, i) => i % 2 === 0), ...live.probes.slice(half)];
  }
}
