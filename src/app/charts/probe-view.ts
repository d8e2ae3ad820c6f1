// Pure helpers that turn a probe snapshot into what the probe charts draw.
import type { ProbeSnapshot } from '../../worker/api';

export interface RankedClass {
  classIndex: number;
  gap: number;
  /** Group of the class at the selected stage. */
  group: number;
}

/** groupSlot of src/distill/pcd.ts: stage k (1-based) owns slots k(k−1)/2 … k(k−1)/2 + k − 1. */
export function groupSlot(stage: number, group: number): number {
  return (stage * (stage - 1)) / 2 + group;
}

export function stagesOf(probe: ProbeSnapshot, runId: string): number {
  const run = probe.runs.find((r) => r.id === runId);
  if (!run?.pcd) return 0;
  return run.pcd.stageGroups.length / (probe.count * probe.classes);
}

/**
 * Classes sorted by |teacher − student| logit gap, largest first (ties: lower index), for
 * one probe sample or the mean over the probe batch, with each class's group at `stage`:
 * PCD's own grouping for a sample of a PCD run, else the spec's floor(rank·k/C) on the
 * shown order.
 */
export function rankedGaps(probe: ProbeSnapshot, runId: string, sample: number | 'average', stage: number): RankedClass[] | null {
  const run = probe.runs.find((r) => r.id === runId);
  if (!run?.logitGaps) return null;
  const C = probe.classes;
  const gaps = new Float64Array(C);
  if (sample === 'average') {
    for (let b = 0; b < probe.count; b++) for (let c = 0; c < C; c++) gaps[c] += run.logitGaps[b * C + c] / probe.count;
  } else {
    for (let c = 0; c < C; c++) gaps[c] = run.logitGaps[sample * C + c];
  }
  const order = Array.from(gaps.keys()).sort((a, b) => gaps[b] - gaps[a] || a - b);
  const S = stagesOf(probe, runId);
  const k = Math.max(1, stage);
  return order.map((classIndex, rank) => ({
    classIndex,
    gap: gaps[classIndex],
    group: sample !== 'average' && run.pcd && k <= S ? run.pcd.stageGroups[(sample * S + (k - 1)) * C + classIndex] : Math.floor((rank * k) / C),
  }));
}

export interface StageRow {
  stage: number;
  /** Classes in ranked order with their group. */
  cells: { classIndex: number; group: number }[];
  groups: { group: number; loss: number; lambda: number; size: number }[];
}

/** PCD's stages for one probe sample: classes in rank order, grouped, with D_G and λ_G. */
export function stageRows(probe: ProbeSnapshot, runId: string, sample: number): StageRow[] | null {
  const run = probe.runs.find((r) => r.id === runId);
  if (!run?.pcd) return null;
  const C = probe.classes;
  const S = stagesOf(probe, runId);
  const G = (S * (S + 1)) / 2;
  const byRank = new Array<number>(C);
  for (let c = 0; c < C; c++) byRank[run.pcd.ranks[sample * C + c]] = c;
  return Array.from({ length: S }, (_, i) => {
    const stage = i + 1;
    const cells = byRank.map((classIndex) => ({ classIndex, group: run.pcd!.stageGroups[(sample * S + i) * C + classIndex] }));
    const groups = Array.from({ length: stage }, (_, g) => ({
      group: g,
      loss: run.pcd!.groupLosses[sample * G + groupSlot(stage, g)],
      lambda: run.pcd!.lambdas[sample * G + groupSlot(stage, g)],
      size: cells.filter((cell) => cell.group === g).length,
    }));
    return { stage, cells, groups };
  });
}
