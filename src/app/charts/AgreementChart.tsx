import { M } from '../panels/Formula';
import { useMemo } from 'react';
import { runColour } from '../../config/palette';
import { ChartCard } from './ChartCard';
import { LinePlot, type Series } from './plot';
import { stepDomain, useEvaluations, useRunName } from './use-live';

/** How well each student reproduces the teacher's low-probability classes, over training. */
export function AgreementChart() {
  const name = useRunName();
  const { frame, applied } = useEvaluations();
  const series = useMemo(() => {
    const out: Series[] = [];
    const { evaluations } = frame.live;
    for (const { id } of applied?.info.runs ?? []) {
      const rows = evaluations.filter((e) => e.id === id && e.nonTargetRankCorrelation !== null);
      out.push({
        id: `${id}-rho`,
        label: `${name(id)} rank corr.`,
        colour: runColour(id),
        dots: true,
        points: rows.map((e) => ({ x: e.step, y: e.nonTargetRankCorrelation! })),
      });
      out.push({
        id: `${id}-kl`,
        label: `${name(id)} KL`,
        colour: runColour(id),
        dash: '4 3',
        axis: 'right',
        points: rows.map((e) => ({ x: e.step, y: e.nonTargetKl! })),
      });
    }
    return out;
  }, [frame, applied, name]);
  // KL is never negative: its axis starts at 0 and ends at a whole number above the largest
  // value, so every value sits between labelled ticks (0, 1, 2, …).
  const klTop = Math.max(
    1,
    Math.ceil(
      Math.max(
        0,
        ...series
          .filter((s) => s.axis === 'right')
          .flatMap((s) => s.points.map((p) => p.y))
          .filter(Number.isFinite),
      ),
    ),
  );
  const total = applied?.info.totalSteps ?? 1;
  const domain = stepDomain(frame.live.evaluations.at(-1)?.step ?? 0, total);
  return (
    <ChartCard
      id="agreement"
      title="Low-probability-class agreement"
      explanation={
        <>
          Over the test split, leaving out the true class: Spearman correlation of teacher and student probabilities (solid, left axis, higher is
          better) and <M tex={String.raw`\mathrm{KL}(p^{\text{teacher}} \,\|\, p^{\text{student}})`} says="KL(teacher ‖ student)" /> (dashed, right
          axis, lower is better), at each epoch.
        </>
      }
      empty={series.some((s) => s.points.length) ? null : 'Comes with the first evaluation (end of the first epoch).'}
    >
      <LinePlot
        label="Non-target rank correlation and KL per run over training"
        series={series}
        height={200}
        x={{ domain, label: 'step' }}
        y={{ domain: [-0.2, 1], label: 'rank corr.' }}
        right={{ label: 'KL', domain: [0, klTop] }}
      />
    </ChartCard>
  );
}
