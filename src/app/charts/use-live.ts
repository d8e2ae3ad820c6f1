import { useCallback, useEffect, useRef, useState } from 'react';
import { runName } from '../../config/palette';
import { useShallow } from 'zustand/react/shallow';
import { activeStageAt, schedulePhases } from '../../train/schedule';
import { useSession } from '../store/session-store';

// Narrow subscriptions: each chart re-renders only when what it draws changed (a new
// step batch for the curves, a new evaluation, a new probe snapshot), at a bounded rate,
// and never in the same task as another chart (useScheduled below), so drawing never
// blocks the main thread for long.

/** A run's name as the page says it: a PCD variant of the applied configuration names what it lacks. */
export function useRunName(): (id: string) => string {
  const method = useSession((s) => s.applied?.page.config.method ?? null);
  return useCallback((id: string) => runName(id, method), [method]);
}

/** The live data's latest frame, at most every `intervalMs` (the loss curves, the schedule). */
export function useLive(intervalMs = 1000) {
  const frame = useScheduled(
    useSession((s) => s.frame),
    intervalMs,
  );
  const applied = useSession((s) => s.applied);
  return { frame, applied };
}

/** The live data's latest frame with new evaluations (the followed seed's: `frame.live.evaluations`). */
export function useEvaluations() {
  const frame = useScheduled(
    useSession((s) => s.evaluationsFrame),
    500,
  );
  const applied = useSession((s) => s.applied);
  return { frame, applied };
}

/** The probe snapshot the probe charts show: the one the history slider picks, else the latest. */
export function useShownProbe() {
  const probe = useScheduled(
    useSession((s) => {
      const probes = s.live.probes;
      if (!probes.length) return null;
      return probes[s.historyIndex === null ? probes.length - 1 : Math.min(s.historyIndex, probes.length - 1)];
    }),
    250,
  );
  const applied = useSession((s) => s.applied);
  return { probe, applied };
}

/** At most `limit` evenly spaced indices of an array of `length` (always the last one). */
export function thinIndices(length: number, limit: number): number[] {
  if (length <= limit) return Array.from({ length }, (_, i) => i);
  const stride = length / limit;
  const out = Array.from({ length: limit }, (_, i) => Math.floor(i * stride));
  if (out.at(-1) !== length - 1) out.push(length - 1);
  return out;
}

// One chart redraw per task: charts that want to redraw queue up, and each gets its own
// macrotask, so two redraws never add up to one long task.
const queue: (() => void)[] = [];
let pumping = false;
const GAP_MS = 20;

function pump(): void {
  const next = queue.shift();
  if (!next) {
    pumping = false;
    return;
  }
  pumping = true;
  next();
  setTimeout(pump, GAP_MS);
}

/**
 * `value`, passed on at most every `intervalMs` and only in a macrotask of its own (see
 * above): the bounded redraw rate of a chart.
 */
export function useScheduled<T>(value: T, intervalMs: number): T {
  const [shown, setShown] = useState(value);
  const latest = useRef(value);
  const queued = useRef(false);
  const last = useRef(0);
  useEffect(() => {
    latest.current = value;
    if (queued.current || Object.is(value, shown)) return;
    queued.current = true;
    const wait = Math.max(0, last.current + intervalMs - performance.now());
    setTimeout(() => {
      queue.push(() => {
        queued.current = false;
        last.current = performance.now();
        setShown(() => latest.current);
      });
      if (!pumping) pump();
    }, wait);
  }, [value, shown, intervalMs]);
  return shown;
}

/** The x range of a curve chart: grows with training (×1.25 ahead of the last step), capped at the budget. */
export function stepDomain(lastStep: number, totalSteps: number): [number, number] {
  return [0, Math.min(totalSteps, Math.max(Math.min(50, totalSteps), Math.ceil(lastStep * 1.25)))];
}

/**
 * The stage the probe charts show for a snapshot taken at `step`: in a scheduled mode the
 * stage that trains then (until the person picks one), else the picked stage; and the stage
 * that trains at that step (null when every stage does: the paper's joint loss).
 */
export function useShownStage(step: number | null): { stage: number; training: number | null; follows: boolean } {
  const { applied, selectedStage, follows } = useSession(
    useShallow((s) => ({ applied: s.applied, selectedStage: s.selectedStage, follows: s.stageFollowsSchedule })),
  );
  const config = applied?.page.config;
  // The most stages of any PCD run (a PCD run may be raced beside a configured KD).
  const stages = Math.max(1, ...(applied?.info.runs ?? []).map((r) => (r.method.method === 'pcd' ? r.method.stages : 1)));
  const training =
    config && config.method.method === 'pcd' && config.schedule.kind !== 'joint' && step !== null
      ? activeStageAt(schedulePhases(config.schedule, stages), step, applied!.info.totalSteps)
      : null;
  const follow = follows && training !== null;
  return { stage: Math.min(follow ? training : selectedStage, Math.max(stages, 1)), training, follows: follow };
}
