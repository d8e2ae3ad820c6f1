import { useMemo, useState } from 'react';
import { ChartCard } from './ChartCard';
import { bandKind } from '../../config/seed-stats';
import { controller } from '../store/controller-instance';
import { accuracyDomainOf, curvesOf } from './curves-view';
import { LinePlot } from './plot';
import { stepDomain, useLive, useRunName } from './use-live';

/** Train loss per step (thinned), test loss and train/test accuracy at each evaluation. */
export function CurvesChart() {
  const { frame, applied } = useLive();
  const { live } = frame;
  const name = useRunName();
  // Cross-entropy on the labels is a term of every method, so it compares runs; each run's
  // own objective adds a distillation term ramped in by the warm-up (and scaled by τ²),
  // which climbs early in training and reads as divergence when set beside CE.
  const [shown, setShown] = useState<'ce' | 'objective'>('ce');
  // Accuracy on 0–100 % by default; zoomed to the data on demand (a 2–3 point gap on MNIST is one band at full scale).
  const [zoom, setZoom] = useState(false);
  // Several seeds: each run's mean with its band; each seed's own line on demand.
  const [eachSeed, setEachSeed] = useState(false);
  const seeds = live.seeds;
  const several = seeds.length > 1;
  const { loss, accuracy, lastStep, counts } = useMemo(
    () => curvesOf(frame.live, applied?.info.runs.map((r) => r.id) ?? [], { shown, eachSeed, name }),
    [frame, applied, shown, eachSeed, name],
  );
  const teacher = applied?.info.teacherTestAccuracy;
  const detection = applied?.info.task === 'detection';
  const metric = detection ? 'AP' : 'accuracy';
  const total = applied?.info.totalSteps ?? 1;
  const domain = stepDomain(lastStep, total);
  const hasLoss = loss.some((l) => l.points.length);
  const accuracyDomain = useMemo(() => accuracyDomainOf(accuracy, zoom), [accuracy, zoom]);
  // Zoomed to the students' test curves, a teacher far above them is marked at the top edge.
  const teacherLine =
    teacher == null
      ? []
      : [
          {
            y: Math.min(100 * teacher, accuracyDomain[1]),
            label: `teacher ${(100 * teacher).toFixed(1)}${detection ? '' : '%'}${100 * teacher > accuracyDomain[1] ? ' (above)' : ''}`,
          },
        ];
  const testTotal = applied?.info.testCount ?? 0;
  const onWhat = counts
    ? `accuracy at each epoch on ${counts.test < testTotal ? `the first ${counts.test.toLocaleString('en')} of the ${testTotal.toLocaleString('en')} test samples` : `all ${counts.test.toLocaleString('en')} test samples`}, the same at every point (solid), and on the first ${counts.train.toLocaleString('en')} training samples (dashed, the train slice)`
    : 'accuracy at each epoch on the test samples (solid) and on the first training samples (dashed, the train slice)';
  return (
    <ChartCard
      id="curves"
      title={detection ? 'Loss and AP' : 'Loss and accuracy'}
      explanation={
        (several
          ? `Each line is a run's mean over its ${seeds.length} seeds; the band is ${bandKind(seeds.length) === 'range' ? 'their range (lowest to highest)' : '± 1 standard deviation across them'}. `
          : '') +
        (detection
          ? `Left: each run's ${shown === 'ce' ? 'cross-entropy on the sampled cells of its batch (every digit cell, three background cells per digit; a term of every method, so the runs compare)' : 'whole objective: CE and its distillation term on the sampled cells, plus the box loss'} at every step and, dotted, the mean cross-entropy of every test cell (mostly easy background, so lower). Right: COCO AP@[.5:.95] × 100 on the 1,000 test scenes (solid) and on 200 of the training scenes (dashed) at each epoch; the dotted line is the teacher's.`
          : shown === 'ce'
            ? `Left: each run's cross-entropy on the labels of its training batch at every step (a term of every method, so the runs compare) and, dotted, on the test samples. Right: ${onWhat}; the dotted line is the teacher.`
            : `Left: each run's whole objective at every step: CE plus its distillation term, which the warm-up ramps in (DKD, PCD) and τ² scales, so it is larger than CE and rises early in training without diverging; dotted, the test cross-entropy. Right: ${onWhat}; the dotted line is the teacher.`)
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
            <input type="checkbox" checked={zoom} onChange={(e) => setZoom(e.target.checked)} data-testid="accuracy-zoom" /> zoom {metric} to the data
          </label>
          {several ? (
            <>
              <label>
                <input type="checkbox" checked={eachSeed} onChange={(e) => setEachSeed(e.target.checked)} data-testid="each-seed" /> each seed’s line
              </label>
              <label title="The probe, per-class and agreement charts show one seed's runs">
                Other charts: seed{' '}
                <select value={live.seed} onChange={(e) => void controller.followSeed(Number(e.target.value))} data-testid="followed-seed">
                  {seeds.map((seed) => (
                    <option key={seed} value={seed}>
                      {seed}
                    </option>
                  ))}
                </select>
              </label>
            </>
          ) : null}
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
          label={`Train and test ${metric} at each evaluation, with the teacher's test ${metric}`}
          series={accuracy}
          height={210}
          x={{ domain, label: 'step' }}
          y={{ domain: accuracyDomain, label: detection ? 'AP × 100' : 'accuracy %' }}
          references={teacherLine}
        />
      </div>
    </ChartCard>
  );
}
