/**
 * Stage schedules over training time (docs/spec.md §5). `joint` is the paper's per-step
 * loss (every stage, both passes, at every step); the others cut training into phases
 * that each train with one stage's loss.
 */
export type StageSchedule =
  | { kind: 'joint' }
  | { kind: 'bidirectional' }
  | { kind: 'fine-to-coarse' }
  | { kind: 'coarse-to-fine' }
  | { kind: 'custom'; segments: { stage: number; share: number }[] };

export interface SchedulePhase {
  /** The stage trained in this phase; `null` = all stages (joint). */
  stage: number | null;
  /** Fraction of training where the phase starts and ends, in [0, 1]. */
  start: number;
  end: number;
}

/** The phases of a schedule for S stages, covering [0, 1] without gaps. */
export function schedulePhases(schedule: StageSchedule, stages: number): SchedulePhase[] {
  const descending = Array.from({ length: stages }, (_, i) => stages - i);
  const ascending = [...descending].reverse();
  let order: { stage: number | null; share: number }[];
  switch (schedule.kind) {
    case 'joint':
      order = [{ stage: null, share: 1 }];
      break;
    case 'bidirectional':
      order = [...descending, ...ascending].map((stage) => ({ stage, share: 1 }));
      break;
    case 'fine-to-coarse':
      order = descending.map((stage) => ({ stage, share: 1 }));
      break;
    case 'coarse-to-fine':
      order = ascending.map((stage) => ({ stage, share: 1 }));
      break;
    case 'custom':
      order = schedule.segments;
      break;
  }
  const total = order.reduce((sum, phase) => sum + phase.share, 0);
  let start = 0;
  return order.map((phase, i) => {
    const end = i === order.length - 1 ? 1 : start + phase.share / total;
    const result = { stage: phase.stage, start, end };
    start = end;
    return result;
  });
}

/** The stage active at `step` of `totalSteps` (0-based), or `null` for all stages. */
export function activeStageAt(phases: SchedulePhase[], step: number, totalSteps: number): number | null {
  const progress = Math.min(Math.max(step / totalSteps, 0), 1);
  return (phases.find((phase) => progress < phase.end) ?? phases[phases.length - 1]).stage;
}

/** The learning rate at `step` of `total`: a cosine from `base` to 0 (docs/spec.md), or `base` throughout. */
export function learningRateAt(schedule: 'cosine' | 'constant', base: number, step: number, total: number): number {
  return schedule === 'cosine' ? (base * (1 + Math.cos((Math.PI * step) / total))) / 2 : base;
}

/** The distillation warm-up factor at `step` of `total`: from 0 to 1 over the first `share` of training. */
export function warmAt(share: number, step: number, total: number): number {
  const warmupSteps = share * total;
  return warmupSteps <= 0 ? 1 : Math.min(step / warmupSteps, 1);
}
