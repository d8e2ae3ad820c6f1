import { useMemo } from 'react';
import { runColour, RUN_LABEL } from '../palette';
import { ChartCard } from './ChartCard';
import { LinePlot, type Series } from './plot';
import { stepDomain, thinIndices, useLive } from './use-live';

const POINTS = 300;
const name = (id: string) => RUN_LABEL[id] ?? id;

/** Train loss per step (thinned), test loss and train/test accuracy at each evaluation. */
export function CurvesChart() {
  const { live, version, applied } = useLive();
  const { loss, accuracy, lastStep } = useMemo(() => {
    const runs = applied?.info.runs.map((r) => r.id) ?? [];
    const loss: Series[] = [];
    const accuracy: Series[] = [];
    for (const id of runs) {
      const series = live.series[id];
      const evaluations = live.evaluations.filter((e) => e.id === id);
      const colour = runColour(id);
      loss.push({
        id: `${id}-train`,
        label: `${name(id)} loss`,
        colour,
        points: series ? thinIndices(series.steps.length, POINTS).map((i) => ({ x: series.steps[i] + 1, y: series.loss[i] })) : [],
      });
      loss.push({ id: `${id}-test`, label: `${name(id)} test CE`, colour, dotsOnly: true, dash: '1 3', points: evaluations.map((e) => ({ x: e.step, y: e.testLoss })) });
      accuracy.push({ id: `${id}-test`, label: `${name(id)} test`, colour, dots: true, points: evaluations.map((e) => ({ x: e.step, y: 100 * e.testAccuracy })) });
      accuracy.push({ id: `${id}-train`, label: `${name(id)} train`, colour, dash: '4 3', points: evaluations.map((e) => ({ x: e.step, y: 100 * e.trainAccuracy })) });
    }
    const lastStep = Math.max(0, ...runs.map((id) => (live.series[id]?.steps.at(-1) ?? -1) + 1));
    return { loss, accuracy, lastStep };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [version, applied]);
  const teacher = applied?.info.teacherTestAccuracy;
  const total = applied?.info.totalSteps ?? 1;
  const domain = stepDomain(lastStep, total);
  const hasLoss = loss.some((l) => l.points.length);
  return (
    <ChartCard
      id="curves"
      title="Loss and accuracy"
      explanation="Left: each run's training loss at every step (its own objective) and, dotted, its cross-entropy on the test split. Right: accuracy on the test split (solid) and on training samples (dashed) at each epoch; the dotted line is the teacher."
      empty={hasLoss ? null : 'Press play: the curves start with the first step.'}
    >
      <div className="chart-pair">
        <LinePlot label="Loss per step for every run" series={loss} height={210} x={{ domain, label: 'step' }} y={{ label: 'loss' }} />
        <LinePlot
          label="Train and test accuracy at each evaluation, with the teacher's test accuracy"
          series={accuracy}
          height={210}
          x={{ domain, label: 'step' }}
          y={{ domain: [0, 100], label: 'accuracy %' }}
          references={teacher != null ? [{ y: 100 * teacher, label: `teacher ${(100 * teacher).toFixed(1)}%` }] : []}
        />
      </div>
    </ChartCard>
  );
}
