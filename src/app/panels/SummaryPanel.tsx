import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formatDuration } from '../../train/config';
import { runColour } from '../../config/palette';
import { controller } from '../store/controller-instance';
import { useSession } from '../store/session-store';
import { EnlargeButton, useLargeSlot } from '../charts/ChartCard';
import { useRunName } from '../charts/use-live';
import {
  isSeedVerdict,
  metricOf,
  raceSummary,
  printedDifference,
  stillLearningSentence,
  summarySentence,
  type Metric,
  type SummaryRow,
  type Verdict,
} from '../../config/summary';
import { bandKind } from '../../config/seed-stats';
import { beyondNoise, MIN_SEEDS_TESTED } from '../../config/verdict';
import { EVALUATION_TEST_LIMIT } from '../../train/session-reports';

/** A gain over CE is marked when it is not beyond noise: "within noise", "tie" or "not tested" (too few seeds). */
function overCeNote(verdict: Verdict | undefined) {
  if (!verdict || beyondNoise(verdict)) return null;
  const test = isSeedVerdict(verdict) ? `paired over ${verdict.seeds} seeds` : 'exact McNemar test, on this seed';
  const family = verdict.family > 1 ? `, Holm-adjusted over ${verdict.family}` : '';
  const title =
    verdict.kind === 'untested'
      ? `${isSeedVerdict(verdict) ? verdict.seeds : 1} seed(s): a verdict on the methods takes ${MIN_SEEDS_TESTED} or more`
      : `p = ${verdict.adjustedP.toPrecision(2)} (${test}${family})`;
  return (
    <span className="noise-note" title={title}>
      {verdict.kind === 'tie' ? ' tie' : verdict.kind === 'untested' ? ' not tested' : ' within noise'}
    </span>
  );
}

/**
 * Below {@link MIN_SEEDS_TESTED} seeds: what the verdicts are about, what a verdict on the
 * methods takes, and a button that trains that many (with the time this run's speed gives).
 */
function SeedsOffer({ seeds, totalSteps, stepsPerSecond }: { seeds: number; totalSteps: number; stepsPerSecond: number | null }) {
  const about =
    seeds === 1
      ? 'These verdicts compare the students this one seed trained, on its test samples: another seed (other initial weights, another batch order) may order them otherwise.'
      : `${seeds} seeds are too few to test.`;
  // A step of n seeds costs about n steps of one (less where they train stacked): an upper estimate.
  const eta = stepsPerSecond && stepsPerSecond > 0 ? ((totalSteps / stepsPerSecond) * MIN_SEEDS_TESTED) / seeds : null;
  return (
    <p className="explain seeds-offer" data-testid="seeds-offer">
      {about} Whether the methods differ takes {MIN_SEEDS_TESTED} seeds or more, compared seed by seed.{' '}
      <button type="button" onClick={() => void controller.trainSeeds(MIN_SEEDS_TESTED)} data-testid="train-seeds">
        Train {MIN_SEEDS_TESTED} seeds
      </button>{' '}
      {eta !== null ? `(starts again; about ${formatDuration(eta)} at this run's speed)` : '(starts again from step 0)'}
    </p>
  );
}

/** A run's accuracy (or AP); over seeds, the mean with its spread: "64.3% (63.8–64.9)" for 2–3 seeds, "64.3% ± 0.5" from 4. */
function accuracyCell(row: SummaryRow, metric: Metric): string {
  const mean = metric.value(row.testAccuracy);
  const kind = bandKind(row.seedAccuracies.length);
  if (kind === 'none') return mean;
  if (kind === 'range') return `${mean} (${(100 * row.band.lo).toFixed(1)}–${(100 * row.band.hi).toFixed(1)})`;
  return `${mean} ± ${(100 * (row.band.hi - row.testAccuracy)).toFixed(1)}`;
}

/** Who is ahead in the race, and whether beyond noise, in words and a small table: no chart reading needed. */
export function SummaryPanel() {
  const large = useLargeSlot();
  const label = useRunName();
  const s = useSession(
    useShallow((state) => ({
      applied: state.applied,
      evaluations: state.evaluationsFrame,
      status: state.status,
      step: state.step,
      throughput: state.throughput,
      lastStepsPerSecond: state.lastStepsPerSecond,
    })),
  );
  const summary = useMemo(
    () =>
      s.applied
        ? raceSummary(
            s.evaluations.live.allEvaluations(),
            s.applied.info.runs.map((r) => r.id),
            s.applied.info.totalSteps,
            s.applied.info.teacherTestAccuracy,
          )
        : null,
    // Recomputed when an evaluation arrives, not on every flush.
    [s.applied, s.evaluations],
  );
  if (!s.applied) return null;
  if (s.status === 'loading') {
    return (
      <section className="card summary" aria-labelledby="summary-title" data-testid="summary" data-final="false">
        <header className="card-header">
          <h2 id="summary-title">Who is ahead</h2>
        </header>
        <p className="explain" data-testid="summary-preparing">
          Preparing the new configuration…
        </p>
      </section>
    );
  }
  const total = s.applied.info.totalSteps;
  const metric = metricOf(s.applied.info.task);
  const left = total - s.step;
  const eta = s.status === 'running' && s.throughput && s.throughput.stepsPerSecond > 0 ? left / s.throughput.stepsPerSecond : null;
  // "Who won" only when there is a winner: ahead of every other run beyond noise (config/verdict.ts).
  const decided = !!summary && summary.verdicts.length > 0 && summary.verdicts.every((v) => v.kind === 'ahead');
  const title = summary?.final ? (decided ? 'Who won' : 'How the race ended') : 'Who is ahead';
  // Without a CE run there is no baseline to gain over: no column of dashes.
  const ceRow = summary?.rows.find((r) => r.id === 'ce');
  const hasCe = !!ceRow;
  return (
    <section
      className={`card summary${large ? ' chart-large' : ''}`}
      aria-labelledby="summary-title"
      data-testid="summary"
      data-final={summary?.final ? 'true' : 'false'}
    >
      <header className="card-header">
        <h2 id="summary-title">{title}</h2>
        <div className="card-controls">
          <EnlargeButton title={title} />
          <button
            type="button"
            onClick={() => void controller.evaluateNow()}
            disabled={s.status !== 'paused' || s.step === 0}
            data-testid="evaluate-now"
            title="Evaluate every run on the test split now (while paused)"
          >
            Evaluate now
          </button>
        </div>
      </header>
      {summary ? (
        <>
          <p className="summary-sentence" data-testid="summary-sentence">
            {/* Still learning is said below, as a warning of its own. */}
            {summarySentence(summary, label, metric, { stillLearning: false })}
          </p>
          <table className="summary-table">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">{summary.seeds.length > 1 ? `Test ${metric.name} (${summary.seeds.length} seeds)` : `Test ${metric.name}`}</th>
                {hasCe ? <th scope="col">vs CE (points; {summary.seeds.length > 1 ? 'seed by seed' : 'sample by sample'})</th> : null}
                <th scope="col">vs teacher (points)</th>
              </tr>
            </thead>
            <tbody>
              {summary.rows.map((row) => (
                <tr key={row.id} data-run={row.id}>
                  <th scope="row">
                    <span className="swatch" style={{ background: runColour(row.id) }} aria-hidden="true" /> {label(row.id)}
                  </th>
                  <td data-seeds={row.seedAccuracies.map((a) => a.toFixed(6)).join(',')}>{accuracyCell(row, metric)}</td>
                  {hasCe ? (
                    <td className={row.gainOverCe === null || Math.abs(row.gainOverCe) < 0.05 ? '' : row.gainOverCe > 0 ? 'gain' : 'loss'}>
                      {row.gainOverCe === null || !ceRow ? '—' : printedDifference(row.testAccuracy, ceRow.testAccuracy)}
                      {overCeNote(summary.overCe.find((v) => v.a === row.id))}
                    </td>
                  ) : null}
                  <td>{summary.teacherAccuracy === null ? '—' : printedDifference(row.testAccuracy, summary.teacherAccuracy)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {summary.stillLearning.length ? (
            <p className="warning still-learning" data-testid="still-learning">
              {stillLearningSentence(summary, label)}
            </p>
          ) : null}
          {summary.seeds.length < MIN_SEEDS_TESTED ? (
            <SeedsOffer seeds={summary.seeds.length} totalSteps={total} stepsPerSecond={s.lastStepsPerSecond} />
          ) : null}
        </>
      ) : (
        <p className="explain">The first evaluation on the test split comes at the end of the first epoch; the summary starts there.</p>
      )}
      <p className="explain" data-testid="summary-progress">
        {summary?.final
          ? 'Finished: every run trained its whole budget.'
          : `Training at step ${s.step.toLocaleString('en')} of ${total.toLocaleString('en')}${eta !== null && left > 0 ? `, about ${formatDuration(eta)} to the end at ${s.throughput!.stepsPerSecond.toFixed(1)} steps/s` : ''}.` +
            (summary && summary.step < s.step
              ? ` The summary is from the evaluation at step ${summary.step.toLocaleString('en')}; the next comes at the end of the epoch (or press Evaluate now while paused).`
              : '')}
        {summary && (summary.onWhole || summary.testCount < s.applied.info.testCount)
          ? ` The curves are on the first ${EVALUATION_TEST_LIMIT.toLocaleString('en')} of the ${s.applied.info.testCount.toLocaleString('en')} test ${metric.samples} at every point; ` +
            (summary.onWhole
              ? `this summary is on all ${summary.testCount.toLocaleString('en')}, evaluated besides at step ${summary.step.toLocaleString('en')}.`
              : `the last evaluation, and Evaluate now, add all ${s.applied.info.testCount.toLocaleString('en')} for the summary.`)
          : ''}
      </p>
    </section>
  );
}
