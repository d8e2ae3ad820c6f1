import { describe, expect, it } from 'vitest';
import { activeStageAt, schedulePhases, type StageSchedule } from './schedule';

const stagesOver = (schedule: StageSchedule, stages: number, totalSteps: number) => {
  const phases = schedulePhases(schedule, stages);
  return Array.from({ length: totalSteps }, (_, step) => activeStageAt(phases, step, totalSteps));
};

describe('stage schedules (docs/spec.md §5): the stage at every step', () => {
  it('joint: every stage at every step', () => {
    expect(stagesOver({ kind: 'joint' }, 3, 5)).toEqual([null, null, null, null, null]);
  });

  it('bidirectional: S … 1, 1 … S in equal phases', () => {
    expect(stagesOver({ kind: 'bidirectional' }, 3, 12)).toEqual([3, 3, 2, 2, 1, 1, 1, 1, 2, 2, 3, 3]);
  });

  it('fine-to-coarse and coarse-to-fine', () => {
    expect(stagesOver({ kind: 'fine-to-coarse' }, 3, 9)).toEqual([3, 3, 3, 2, 2, 2, 1, 1, 1]);
    expect(stagesOver({ kind: 'coarse-to-fine' }, 2, 4)).toEqual([1, 1, 2, 2]);
  });

  it('custom: segments in order, by share of training', () => {
    const schedule: StageSchedule = {
      kind: 'custom',
      segments: [
        { stage: 2, share: 0.25 },
        { stage: 1, share: 0.5 },
        { stage: 3, share: 0.25 },
      ],
    };
    expect(stagesOver(schedule, 3, 8)).toEqual([2, 2, 1, 1, 1, 1, 3, 3]);
  });

  it('phases cover [0, 1] without gaps, and a budget that does not divide evenly still visits every phase', () => {
    const phases = schedulePhases({ kind: 'bidirectional' }, 4);
    expect(phases[0].start).toBe(0);
    expect(phases.at(-1)!.end).toBe(1);
    phases.slice(1).forEach((phase, i) => expect(phase.start).toBe(phases[i].end));
    expect(new Set(stagesOver({ kind: 'bidirectional' }, 4, 13))).toEqual(new Set([1, 2, 3, 4]));
  });
});
