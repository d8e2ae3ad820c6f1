import { M } from '../panels/Formula';
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { groupColour } from '../../config/palette';
import { useSession } from '../store/session-store';
import { ChartCard } from './ChartCard';
import { groupShares } from '../../lessons/cues';
import { stageRows } from './probe-view';
import { useShownProbe, useShownStage } from './use-live';

/** λ with the digits it needs: a small non-zero λ never shows as 0.00. */
export function formatLambda(lambda: number): string {
  if (lambda === 0) return '0';
  return Math.abs(lambda) >= 0.01 ? lambda.toFixed(3) : lambda.toExponential(1);
}

/** One row per stage: the classes in ranked order, coloured by group, with each group's D_G and λ_G. */
export function StageGroupsChart() {
  const { probe, applied } = useShownProbe();
  const { probeSample, selectedRun, average } = useSession(
    useShallow((s) => ({ probeSample: s.probeSample, selectedRun: s.selectedRun, average: s.rankingMode === 'average' })),
  );
  const names = applied?.info.classNames ?? [];
  const sample = probe ? Math.min(probeSample, probe.count - 1) : 0;
  const rows = useMemo(() => (probe && selectedRun ? stageRows(probe, selectedRun, sample) : null), [probe, selectedRun, sample]);
  // Over the whole probe batch: each group's share of its stage's loss and its mean λ (what the lesson's numbers and cue speak of).
  const batch = useMemo(
    () => (probe && selectedRun && rows && probe.count > 1 ? rows.map((row) => groupShares(probe, rows.length, row.stage, selectedRun)) : null),
    [probe, selectedRun, rows],
  );
  const C = probe?.classes ?? 1;
  const { training } = useShownStage(probe?.step ?? null);
  const labelCells = C <= 20;
  return (
    <ChartCard
      id="groups"
      title="Class groups of every stage"
      explanation={
        <>
          For probe sample #{sample + 1}
          {average ? ' (groups are per sample: the batch average applies to the ranking chart only)' : ''}: stage <M tex="k" says="k" /> cuts the
          ranked classes into <M tex="k" says="k" /> groups; each group <M tex="G" says="G" /> is distilled on its own (a softmax over its classes)
          with weight <M tex={String.raw`\lambda_G = 1 - \cos(p_G, q_G)`} says="λ_G = 1 − cos(p_G, q_G)" />. Numbers: the group's weighted loss{' '}
          <M tex="D_G" says="D_G" />, <M tex={String.raw`\lambda_G`} says="λ_G" />, and its first classes by rank.
          {batch
            ? ` Below them, over all ${probe!.count} probe samples: the group's share of its stage's loss and its mean λ (one sample can differ).`
            : ''}
          {training !== null
            ? ` Scheduled: at this snapshot's step ${probe!.step} only stage ${training} trains (marked ▶; the schedule's timeline follows the latest step).`
            : ''}
        </>
      }
      empty={
        rows
          ? null
          : !probe
            ? 'Waiting for the first probe of the untrained students (it comes right after Apply).'
            : 'Shown for a PCD run: pick PCD in "Run" (or add PCD to the session).'
      }
    >
      {rows ? (
        <div className="stage-rows" role="list">
          {rows.map((row) => (
            <div
              className={`stage-row${training === row.stage ? ' stage-training' : ''}`}
              role="listitem"
              key={row.stage}
              data-testid={`stage-row-${row.stage}`}
              aria-current={training === row.stage ? 'step' : undefined}
              aria-label={`stage ${row.stage}${training === row.stage ? ' (the stage training now)' : ''}: ${row.groups.map((g) => `group ${g.group + 1} of ${g.size} classes, D ${g.loss.toFixed(3)}, λ ${formatLambda(g.lambda)}`).join('; ')}`}
            >
              <span className="stage-label">
                {training === row.stage ? '▶ ' : ''}Stage {row.stage}
                {training === row.stage ? <span className="stage-training-note">training</span> : null}
              </span>
              <svg className="stage-cells" viewBox={`0 0 ${C} 1`} preserveAspectRatio="none" aria-hidden="true">
                {row.cells.map((cell, r) => (
                  <rect
                    key={r}
                    x={r}
                    y={0}
                    width={1}
                    height={1}
                    fill={groupColour(cell.group, row.stage)}
                    stroke="#fff"
                    strokeWidth={C > 40 ? 0 : 0.04}
                  >
                    <title>{`rank ${r + 1}: class ${names[cell.classIndex] ?? cell.classIndex}, group ${cell.group + 1}`}</title>
                  </rect>
                ))}
              </svg>
              {labelCells ? (
                <div className="cell-labels" aria-hidden="true" style={{ gridTemplateColumns: `repeat(${C}, 1fr)` }}>
                  {row.cells.map((cell, r) => (
                    <span key={r}>{names[cell.classIndex] ?? cell.classIndex}</span>
                  ))}
                </div>
              ) : null}
              <div className="group-stats">
                {row.groups.map((g) => {
                  const shares = batch?.[row.stage - 1];
                  const members = row.cells.filter((cell) => cell.group === g.group).map((cell) => names[cell.classIndex] ?? String(cell.classIndex));
                  return (
                    <span
                      key={g.group}
                      className="group-stat"
                      style={{ flexGrow: Math.max(g.size, 1), borderTopColor: groupColour(g.group, row.stage) }}
                      title={members.join(', ')}
                    >
                      <span>D {g.loss.toFixed(3)}</span> <span>λ {formatLambda(g.lambda)}</span>
                      {shares ? (
                        <span className="group-batch" data-testid={`group-batch-${row.stage}-${g.group}`}>
                          all {probe!.count}: {Math.round(100 * shares.share[g.group])}% of D, mean λ {formatLambda(shares.lambda[g.group])}
                        </span>
                      ) : null}
                      {labelCells ? null : (
                        <span className="group-members">
                          {members.slice(0, 3).join(', ')}
                          {members.length > 3 ? `, … (${members.length})` : ''}
                        </span>
                      )}
                    </span>
                  );
                })}
              </div>
            </div>
          ))}
        </div>
      ) : null}
    </ChartCard>
  );
}
