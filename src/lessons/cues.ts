// Live cues: a chapter says in words when the thing to see has happened, computed from the
// session's reports (evaluations, probe snapshots, the step), never from a timer. Pure
// functions of plain data, unit-tested without a page.
import { percent, raceSummary, summarySentence, metricOf } from '../config/summary';
import { runName } from '../config/palette';
import type { TrainerConfig } from '../train/config';
import { groupSlot } from '../kernels/pcd-attrs';
import { activeStageAt, schedulePhases } from '../train/schedule';
import type { ProbeSnapshot } from '../train/reports';
import type { EvaluationReport } from '../train/session-reports';
import type { CueId } from './chapters';

export interface CueState {
  /** The followed seed's evaluations (the cues read one seed's curves). */
  evaluations: readonly EvaluationReport[];
  /** Every seed's, for the race's summary (as the summary card has it); absent: `evaluations`. */
  raceEvaluations?: readonly EvaluationReport[];
  probes: readonly ProbeSnapshot[];
  classNames: readonly string[];
  step: number;
  totalSteps: number;
  probeSample: number;
  config: TrainerConfig;
  runs: readonly string[];
  teacherAccuracy: number | null;
  /** The temperature chart's τ (chapter 1's slider). */
  probeTemperature?: number;
  /** The PCD run's stage losses per step (chapter 5 checks them): `values[i][k]` is L_{k+1} at `steps[i]`. */
  stageLosses?: { steps: readonly number[]; values: readonly (readonly number[])[] };
}

/**
 * softmax(z/τ) from softmax(z): p_τ ∝ p^(1/τ), exactly (the shift of log p by log Σ e^z
 * cancels), so the page (the temperature chart, chapter 1's cue) softens the teacher's probabilities itself, with no training and
 * no call to the worker.
 */
export function soften(probabilities: ArrayLike<number>, temperature: number): Float64Array {
  const logs = Array.from(probabilities, (p) => Math.log(Math.max(p, 1e-30)) / temperature);
  const top = Math.max(...logs);
  const out = Float64Array.from(logs, (l) => Math.exp(l - top));
  const sum = out.reduce((a, b) => a + b, 0);
  return out.map((v) => v / sum);
}

const className = (state: CueState, c: number) => `“${state.classNames[c] ?? `class ${c}`}”`;

/** Test accuracy of `a` and `b` at every step both were evaluated, in step order. */
function paired(evaluations: readonly EvaluationReport[], a: string, b: string): { step: number; a: number; b: number }[] {
  const byStep = new Map<number, { a?: number; b?: number }>();
  for (const e of evaluations) {
    if (e.id !== a && e.id !== b) continue;
    const entry = byStep.get(e.step) ?? {};
    entry[e.id === a ? 'a' : 'b'] = e.testAccuracy;
    byStep.set(e.step, entry);
  }
  return [...byStep.entries()]
    .filter(([, v]) => v.a !== undefined && v.b !== undefined)
    .sort((x, y) => x[0] - y[0])
    .map(([step, v]) => ({ step, a: v.a!, b: v.b! }));
}

/**
 * Chapter 2's claim that CE levels off while it memorises its labels, checked on CE's own
 * evaluations: over the last quarter of them (at least 4 of 8 or more), its test accuracy
 * rose by less than a point while its training accuracy stands 20 points or more above it.
 * Null until there are 8 evaluations; otherwise a sentence either way.
 */
function ceLevelsOff(evaluations: readonly EvaluationReport[]): string | null {
  const ce = evaluations.filter((e) => e.id === 'ce').sort((x, y) => x.step - y.step);
  if (ce.length < 8) return null;
  const window = ce.slice(-Math.max(4, Math.floor(ce.length / 4)));
  const [start, end] = [window[0], window[window.length - 1]];
  const rise = end.testAccuracy - start.testAccuracy;
  const memorised = end.trainAccuracy - end.testAccuracy;
  if (rise < 0.01 && memorised >= 0.2) {
    return ` CE has levelled off (${percent(start.testAccuracy)} → ${percent(end.testAccuracy)} since step ${start.step}) while it gets ${percent(end.trainAccuracy)} of its training samples right: it memorises its labels.`;
  }
  return ` CE is still climbing this time: ${percent(start.testAccuracy)} → ${percent(end.testAccuracy)} since step ${start.step}, ${percent(end.trainAccuracy)} on its training samples.`;
}

function kdPassesCe(state: CueState): string | null {
  const points = paired(state.evaluations, 'kd', 'ce');
  if (!points.length) return null;
  const last = points[points.length - 1];
  const plateau = ceLevelsOff(state.evaluations) ?? '';
  if (last.a <= last.b) {
    return `At step ${last.step} CE is ahead: ${percent(last.b)} against KD’s ${percent(last.a)}.${plateau || ' Keep watching: CE levels off once it has memorised its labels.'}`;
  }
  let from = points.length - 1;
  while (from > 0 && points[from - 1].a > points[from - 1].b) from--;
  const since = from === 0 ? 'has been ahead of CE since the first evaluation' : `has passed CE at step ${points[from].step}`;
  return `KD ${since} and stays ahead: ${percent(last.a)} against ${percent(last.b)} at step ${last.step}.${plateau}`;
}

/** A probability as a percentage, in one format whatever its size: 78.9%, 0.52%, 0.0031%. */
export function probabilityPercent(p: number): string {
  const value = 100 * p;
  if (value >= 1) return `${value.toFixed(1)}%`;
  if (value >= 1e-4) return `${value.toPrecision(2)}%`;
  return `${value.toExponential(1)}%`;
}

function runnerUp(state: CueState): string | null {
  const probe = state.probes.at(-1);
  if (!probe?.teacherProbabilities) return null;
  const sample = Math.min(state.probeSample, probe.count - 1);
  const tau = state.probeTemperature ?? 1;
  const plain = probe.teacherProbabilities.subarray(sample * probe.classes, (sample + 1) * probe.classes);
  const row = tau === 1 ? plain : soften(plain, tau);
  const order = Array.from(row.keys()).sort((x, y) => row[y] - row[x] || x - y);
  const [first, second] = order;
  const label = probe.labels[sample];
  const at = `at τ = ${tau.toFixed(1)}`;
  const wrong =
    first !== label
      ? ` The teacher is wrong on this sample: its favourite is not the true class (it gives ${className(state, label)} ${probabilityPercent(row[label])}).`
      : '';
  return (
    `For probe sample #${sample + 1} (true class ${className(state, label)}), ${at} the teacher gives ${className(state, first)} ${probabilityPercent(row[first])} ` +
    `and its runner-up ${className(state, second)} ${probabilityPercent(row[second])}: the dark knowledge is in that second number and the ones below it.${wrong}`
  );
}

/** Classes by logit gap, largest first (ties by class index). */
function byGap(gaps: ArrayLike<number>): number[] {
  return Array.from({ length: gaps.length }, (_, c) => c).sort((x, y) => gaps[y] - gaps[x] || x - y);
}

/**
 * Chapter 3's cue: the class the student is furthest from now, and its claim that "as
 * training goes on the gaps shrink and the order changes", checked against the earliest
 * kept snapshot for the same sample: the mean gap, and how many of the classes ranked first
 * then (the first tenth, at least one) still are.
 */
function largestGap(state: CueState): string | null {
  const probe = state.probes.at(-1);
  const run = probe?.runs.find((r) => r.id === 'pcd' && r.logitGaps) ?? probe?.runs.find((r) => r.logitGaps);
  if (!probe || !run?.logitGaps) return null;
  const sample = Math.min(state.probeSample, probe.count - 1);
  const row = (gaps: Float32Array) => gaps.subarray(sample * probe.classes, (sample + 1) * probe.classes);
  const gaps = row(run.logitGaps);
  const order = byGap(gaps);
  const top = order[0];
  const now = `At step ${probe.step}, for probe sample #${sample + 1}, the student is furthest from the teacher on ${className(state, top)}: a logit gap of ${gaps[top].toFixed(2)}, rank 1.`;
  const earliest = state.probes[0];
  const before = earliest.runs.find((r) => r.id === run.id)?.logitGaps;
  if (earliest.step >= probe.step || !before) return now;
  const then = row(before);
  const mean = (values: Float32Array) => values.reduce((a, b) => a + b, 0) / values.length;
  const [meanThen, meanNow] = [mean(then), mean(gaps)];
  const first = Math.max(1, Math.round(probe.classes / 10));
  const kept = byGap(then)
    .slice(0, first)
    .filter((c) => order.indexOf(c) < first).length;
  const size =
    first === 1
      ? `the class ranked first then is ${kept ? 'still first' : `now rank ${order.indexOf(byGap(then)[0]) + 1}`}`
      : `${kept} of the ${first} classes ranked first then still are`;
  const shrunk = meanNow < meanThen;
  const changed = kept < first;
  const since = `since step ${earliest.step}`;
  if (shrunk && changed)
    return `${now} ${since[0].toUpperCase()}${since.slice(1)} the gaps have shrunk (mean ${meanThen.toFixed(2)} → ${meanNow.toFixed(2)}) and the order has changed: ${size}.`;
  return `${now} This time the ${shrunk ? 'gaps have shrunk' : 'gaps have not shrunk'} ${since} (mean ${meanThen.toFixed(2)} → ${meanNow.toFixed(2)})${changed ? ` and the order has changed: ${size}` : `, but the order has not changed: ${size}`}.`;
}

/** Stage 3 (or the finest stage, if fewer), the stage chapter 4 talks about. */
const talkedStage = (stages: number) => Math.min(3, stages);

/** Per group of `stage` (largest gaps first): its share of the stage's loss and its mean λ over the probe batch; null without PCD. */
export function groupShares(probe: ProbeSnapshot, stages: number, stage: number, runId?: string): { share: number[]; lambda: number[] } | null {
  const run = probe.runs.find((r) => r.pcd && (runId === undefined || r.id === runId));
  if (!run?.pcd || stage > stages) return null;
  const slots = run.pcd.lambdas.length / probe.count;
  const loss = new Array<number>(stage).fill(0);
  const lambda = new Array<number>(stage).fill(0);
  for (let b = 0; b < probe.count; b++) {
    for (let g = 0; g < stage; g++) {
      loss[g] += run.pcd.groupLosses[b * slots + groupSlot(stage, g)];
      lambda[g] += run.pcd.lambdas[b * slots + groupSlot(stage, g)] / probe.count;
    }
  }
  const total = loss.reduce((a, b) => a + b, 0);
  return { share: loss.map((d) => (total > 0 ? d / total : 0)), lambda };
}

const groupName = (g: number, k: number) =>
  g === 0 ? 'the group of the largest gaps' : g === k - 1 ? 'the group of the smallest gaps' : k === 3 ? 'the middle group' : `group ${g + 1}`;

/**
 * Chapter 4's two claims, checked on the probe batch: which group of stage 3 holds the most
 * loss (the middle one before the student has learnt anything, the group of the largest
 * gaps once it has the teacher's broad shape: `npm run groups`), and whether λ fell in every
 * group between the first and the latest snapshot. Each is said as the data has it.
 */
function groupLoss(state: CueState): string | null {
  const stages = state.config.method.method === 'pcd' ? state.config.method.stages : null;
  if (!stages || stages < 2) return null;
  const k = talkedStage(stages);
  const withPcd = state.probes.filter((p) => groupShares(p, stages, k));
  if (!withPcd.length) return null;
  const first = withPcd[0];
  const last = withPcd[withPcd.length - 1];
  const now = groupShares(last, stages, k)!;
  const most = now.share.indexOf(Math.max(...now.share));
  const warmEnd = Math.round(state.config.warmupShare * state.totalSteps);
  // The middle group (or the second) early, the group of the largest gaps once warmed in; in between the order flips.
  const expected = last.step < warmEnd / 2 ? 1 : last.step >= warmEnd ? 0 : null;
  const shares = now.share.map((x) => `${Math.round(100 * x)}%`).join(' / ');
  let text = `At step ${last.step}, over the ${last.count} probe samples, stage ${k}’s groups (largest gaps first) hold ${shares} of its loss: ${groupName(most, k)} holds the most`;
  if (expected === null) text += `; during the warm-up (to step ${warmEnd}) the most loss moves from ${groupName(1, k)} to ${groupName(0, k)}.`;
  else if (most === expected)
    text += expected === 0 ? ', as once the student has the teacher’s broad shape.' : ', as before the student has learnt anything.';
  else
    text += `; this time not ${groupName(expected, k)}, which holds the most ${expected === 0 ? 'after the warm-up' : 'at the start'} over 1,000 test samples.`;
  if (first === last) return `${text} Train to see λ move.`;
  const before = groupShares(first, stages, k)!.lambda;
  const rose = now.lambda.map((l, g) => (l > before[g] ? g : -1)).filter((g) => g >= 0);
  const moves = now.lambda.map((l, g) => `${before[g].toFixed(3)} → ${l.toFixed(3)}`).join(', ');
  text +=
    rose.length === 0
      ? ` Since step ${first.step}, λ fell in every group (${moves}): inside each, the student points more and more the teacher’s way.`
      : ` Since step ${first.step}, λ of ${rose.map((g) => groupName(g, k)).join(' and ')} rose (${moves}).`;
  return text;
}

function schedulePhase(state: CueState): string | null {
  const { config, step, totalSteps } = state;
  if (config.method.method !== 'pcd') return null;
  if (config.schedule.kind === 'joint') return 'Joint schedule: every stage at every step, as in the paper.';
  const phases = schedulePhases(config.schedule, config.method.stages);
  const stage = activeStageAt(phases, step, totalSteps);
  const progress = Math.min(step / totalSteps, 1);
  const index = Math.max(
    0,
    phases.findIndex((p) => progress < p.end),
  );
  const at = step >= totalSteps ? phases.length - 1 : index;
  const head = `Step ${step} of ${totalSteps}: phase ${at + 1} of ${phases.length} trains ${stage === null ? 'every stage' : `stage ${stage} alone`}.`;
  return head + (stage === null ? '' : phaseLosses(state, phases[at], at, stage));
}

/**
 * Chapter 5's claim, checked on the run's own stage losses: in the first phase every L_k
 * falls together; after it, the stage that trains is the one whose loss falls. Compares the
 * mean of the phase's first 5 reported steps with the latest 5, once 10 steps of the phase
 * are in; says it either way.
 */
function phaseLosses(state: CueState, phase: { start: number; end: number }, index: number, stage: number): string {
  const losses = state.stageLosses;
  if (!losses) return '';
  const from = phase.start * state.totalSteps;
  const inPhase = losses.steps.map((s, i) => ({ s, v: losses.values[i] })).filter((p) => p.s >= from && p.s < phase.end * state.totalSteps);
  if (inPhase.length < 10) return '';
  const mean = (points: typeof inPhase, k: number) => points.reduce((sum, p) => sum + p.v[k], 0) / points.length;
  const [first, last] = [inPhase.slice(0, 5), inPhase.slice(-5)];
  const stages = inPhase[0].v.length;
  const moves = Array.from({ length: stages }, (_, k) => ({ k: k + 1, a: mean(first, k), b: mean(last, k) }));
  const trained = moves[stage - 1];
  const others = moves.filter((m) => m.k !== stage);
  const said = (m: (typeof moves)[number]) => `L${m.k} ${m.a.toFixed(2)} → ${m.b.toFixed(2)}`;
  if (index === 0) {
    const allFell = moves.every((m) => m.b < m.a);
    return allFell
      ? ` In this first phase every stage’s loss falls together (${moves.map(said).join(', ')}).`
      : ` In this first phase: ${moves.map(said).join(', ')}.`;
  }
  const ownFalls = trained.b < trained.a;
  const othersRise = others.filter((m) => m.b > m.a);
  return ownFalls
    ? ` In this phase the stage that trains is the one whose loss falls: ${said(trained)}${othersRise.length ? `, while ${othersRise.map(said).join(', ')}` : ''}.`
    : ` This time ${`L${stage}`} did not fall in its own phase: ${said(trained)} (${others.map(said).join(', ')}).`;
}

function summary(state: CueState): string | null {
  const result = raceSummary(state.raceEvaluations ?? state.evaluations, state.runs, state.totalSteps, state.teacherAccuracy);
  return result
    ? summarySentence(result, (id) => runName(id, state.config.method), metricOf(state.config.dataset === 'scenes' ? 'detection' : 'classification'))
    : null;
}

const CUES: Record<CueId, (state: CueState) => string | null> = {
  'runner-up': runnerUp,
  'kd-passes-ce': kdPassesCe,
  'largest-gap': largestGap,
  'group-loss': groupLoss,
  'schedule-phase': schedulePhase,
  'race-summary': summary,
};

/**
 * The state as it stood at `step` (the history slider's snapshot): only the reports up to it,
 * so a cue describes the step the charts show, not the latest one.
 */
export function asOfStep(state: CueState, step: number): CueState {
  const upTo = <T extends { step: number }>(reports: readonly T[]) => reports.filter((r) => r.step <= step);
  const losses = state.stageLosses;
  const kept = losses ? losses.steps.findIndex((s) => s > step) : -1;
  return {
    ...state,
    step: Math.min(step, state.step),
    evaluations: upTo(state.evaluations),
    raceEvaluations: state.raceEvaluations && upTo(state.raceEvaluations),
    probes: upTo(state.probes),
    stageLosses: losses && kept >= 0 ? { steps: losses.steps.slice(0, kept), values: losses.values.slice(0, kept) } : losses,
  };
}

/** The cue's sentence for the session's current state; null while there is nothing to say yet. */
export function cueText(cue: CueId, state: CueState): string | null {
  return CUES[cue](state);
}
