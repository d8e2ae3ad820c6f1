import { useMemo, useState } from 'react';
import { runColour, RUN_LABEL } from '../../config/palette';
import { ChartCard } from './ChartCard';
import { LinePlot, type Series } from './plot';
import { stepDomain, thinIndices, useLive } from './use-live';

const POINTS = 300;
const name = (id: string) => RUN_LABEL[id] ?? id;

/** Train loss per step (thinned), test loss and train/test accuracy at each evaluation. */
export function CurvesChart() {
  const { live, version, applied } = useLive();
  // Cross-entropy on the labels is a term of every method, so it compares runs; each run's
  // own objective adds a distillation term ramped in by the warm-up (and scaled by τ²),
  // which climbs early in training and reads as divergence when set beside CE.
  const [shown, setShown] = useState<'ce' | 'objective'>('ce');
  // Accuracy on 0–100 % by default; zoomed to the data on demand (a 2–3 point gap on MNIST is one band at full scale).
  const [zoom, setZoom] = useState(false);
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
        label: `${name(id)} · ${shown === 'ce' ? 'train' : 'objective'}`,
        colour,
        points: series
          ? thinIndices(series.steps.length, POINTS).map((i) => ({
              x: series.steps[i] + 1,
              y: shown === 'ce' ? (series.terms.ce?.[i] ?? series.loss[i]) : series.loss[i],
            }))
          : [],
      });
      loss.push({
        id: `${id}-test`,
        label: `${name(id)} · test`,
        colour,
        dotsOnly: true,
        dash: '1 3',
        points: evaluations.map((e) => ({ x: e.step, y: e.testLoss })),
      });
      accuracy.push({
        id: `${id}-test`,
        label: `${name(id)} · test`,
        colour,
        dots: true,
        points: evaluations.map((e) => ({ x: e.step, y: 100 * e.testAccuracy })),
      });
      accuracy.push({
        id: `${id}-train`,
        label: `${name(id)} · train`,
        colour,
        dash: '4 3',
        points: evaluations.map((e) => ({ x: e.step, y: 100 * e.trainAccuracy })),
      });
    }
    const lastStep = Math.max(0, ...runs.map((id) => (live.series[id]?.steps.at(-1) ?? -1) + 1));
    return { loss, accuracy, lastStep };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [version, applied, shown]);
  const teacher = applied?.info.teacherTestAccuracy;
  const total = applied?.info.totalSteps ?? 1;
  const domain = stepDomain(lastStep, total);
  const hasLoss = loss.some((l) => l.points.length);
  const accuracyDomain = useMemo((): [number, number] => {
    const values = accuracy.flatMap((s) => s.points.map((p) => p.y));
    if (teacher != null) values.push(100 * teacher);
    if (!zoom || values.length < 2) return [0, 100];
    const [lo, hi] = [Math.min(...values), Math.max(...values)];
    const pad = Math.max(1, (hi - lo) * 0.08);
    return [Math.max(0, Math.floor(lo - pad)), Math.min(100, Math.ceil(hi + pad))];
  }, [accuracy, zoom, teacher]);
  return (
    <ChartCard
      id="curves"
      title="Loss and accuracy"
      explanation={
        shown === 'ce'
          ? "Left: each run's cross-entropy on the labels of its training batch at every step (a term of every method, so the runs compare) and, dotted, on the test split. Right: accuracy on the test split (solid) and on training samples (dashed) at each epoch; the dotted line is the teacher."
          : "Left: each run's whole objective at every step: CE plus its distillation term, which the warm-up ramps in (DKD, PCD) and τ² scales, so it is larger than CE and rises early in training without diverging; dotted, the test cross-entropy. Right: accuracy on the test split (solid) and on training samples (dashed); the dotted line is the teacher."
      }
      empty={hasLoss ? null : 'Press play: the curves start with the first step.'}
      controls={
        <>
          <label>
            Loss{' '}
            <select value={shown} onChange={(e) => setShown(e.target.value as 'ce' | 'objective')} data-testid="loss-shown">
              <option value="ce">cross-entropy (comparable)</option>
              <option value="objective">each run’s objective</option>
            </select>
          </label>
          <label>
            <input type="checkbox" checked={zoom} onChange={(e) => setZoom(e.target.checked)} data-testid="accuracy-zoom" /> zoom accuracy to the data
          </label>
        </>
      }
    >
      <div className="chart-pair">
        <LinePlot
          label={shown === 'ce' ? 'Training cross-entropy per step for every run' : 'Objective per step for every run'}
          series={loss}
          height={210}
          x={{ domain, label: 'step' }}
          y={{ label: shown === 'ce' ? 'cross-entropy' : 'objective' }}
        />
        <LinePlot
          label="Train and test accuracy at each evaluation, with the teacher's test accuracy"
          series={accuracy}
          height={210}
          x={{ domain, label: 'step' }}
          y={{ domain: accuracyDomain, label: 'accuracy %' }}
          references={teacher != null ? [{ y: 100 * teacher, label: `teacher ${(100 * teacher).toFixed(1)}%` }] : []}
        />
      </div>
    </ChartCard>
  );
}
