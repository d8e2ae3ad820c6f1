import { M } from '../panels/Formula';
import { memo, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { schedulePhases } from '../../train/schedule';
import { groupColour } from '../../config/palette';
import { useSession } from '../store/session-store';
import { controller } from '../store/controller-instance';
import { ChartCard } from './ChartCard';
import { LinePlot, type Series } from './plot';
import { thinIndices, useLive } from './use-live';

/**
 * The custom schedule's segments, edited in a table (changes apply with a restart). Memoised:
 * it redraws when the draft changes, not with the chart on every report.
 */
const SegmentEditor = memo(function SegmentEditor() {
  const { draft, setDraft, errors } = useSession(useShallow((s) => ({ draft: s.draft, setDraft: s.setDraft, errors: s.draftErrors })));
  const schedule = draft.config.schedule;
  if (schedule.kind !== 'custom') return null;
  const stages = draft.config.method.method === 'pcd' ? draft.config.method.stages : 1;
  const update = (segments: { stage: number; share: number }[]) =>
    setDraft({ ...draft, config: { ...draft.config, schedule: { kind: 'custom', segments } } });
  const segments = schedule.segments;
  return (
    <div className="segment-editor">
      <table>
        <caption>Custom schedule: phases in order, each training one stage for a share of the budget</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Stage (1 … {stages})</th>
            <th scope="col">Share</th>
            <th scope="col">
              <span className="visually-hidden">Remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {segments.map((segment, i) => (
            <tr key={i}>
              <td>{i + 1}</td>
              <td>
                <input
                  type="number"
                  aria-label={`stage of phase ${i + 1}`}
                  min={1}
                  max={stages}
                  step={1}
                  value={Number.isFinite(segment.stage) ? segment.stage : ''}
                  onChange={(e) => update(segments.map((s, j) => (j === i ? { ...s, stage: e.target.valueAsNumber } : s)))}
                />
                {errors[`schedule.segments.${i}.stage`] ? <span className="field-error">{errors[`schedule.segments.${i}.stage`]}</span> : null}
              </td>
              <td>
                <input
                  type="number"
                  aria-label={`share of phase ${i + 1}`}
                  min={0.1}
                  step={0.5}
                  value={Number.isFinite(segment.share) ? segment.share : ''}
                  onChange={(e) => update(segments.map((s, j) => (j === i ? { ...s, share: e.target.valueAsNumber } : s)))}
                />
                {errors[`schedule.segments.${i}.share`] ? <span className="field-error">{errors[`schedule.segments.${i}.share`]}</span> : null}
              </td>
              <td>
                <button
                  type="button"
                  onClick={() => update(segments.filter((_, j) => j !== i))}
                  disabled={segments.length === 1}
                  aria-label={`remove phase ${i + 1}`}
                >
                  ✕
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row-buttons">
        <button type="button" onClick={() => update([...segments, { stage: 1, share: 1 }])}>
          Add phase
        </button>
        <button type="button" onClick={() => void controller.apply()} disabled={Object.keys(errors).length > 0}>
          Apply schedule (restarts)
        </button>
      </div>
    </div>
  );
});

/** The stage schedule over the budget with the position marked, and each stage's loss over time. */
export function ScheduleChart() {
  const { frame, applied } = useLive();
  const { step, historyStep, hideEditor, selectedRun } = useSession(
    useShallow((s) => ({
      step: s.step,
      historyStep: s.historyIndex === null ? null : (s.frame.live.probes[s.historyIndex]?.step ?? null),
      hideEditor: s.hide.includes('schedule-editor'),
      selectedRun: s.selectedRun,
    })),
  );
  const config = applied?.page.config;
  const stages = config?.method.method === 'pcd' ? config.method.stages : 0;
  const phases = config && stages ? schedulePhases(config.schedule, stages) : [];
  const total = applied?.info.totalSteps ?? 1;
  const pcdRun = applied?.info.runs.find((r) => r.method.method === 'pcd')?.id ?? null;
  const runId = selectedRun && frame.live.series[selectedRun]?.stageLosses.length ? selectedRun : pcdRun;
  const [log, setLog] = useState(false);
  // Each stage's loss L_k as a line of its own (not stacked: a stack's top is the sum).
  const series = useMemo(() => {
    const source = runId ? frame.live.series[runId] : undefined;
    const indices = source?.stageLosses.length ? thinIndices(source.stageLosses.length, 240) : [];
    return Array.from({ length: stages }, (_, k): Series => ({
      id: `L${k + 1}`,
      label: `L${k + 1} (stage ${k + 1})`,
      colour: groupColour(k, stages),
      width: 1.5,
      points: indices.map((i) => ({ x: source!.steps[i] + 1, y: source!.stageLosses[i][k] })),
    }));
  }, [frame, runId, stages]);
  // A log axis spans the decades the losses cover (they fall by orders of magnitude early on).
  const logDomain = useMemo((): [number, number] => {
    const values = series.flatMap((s) => s.points.map((p) => p.y)).filter((y) => y > 0 && Number.isFinite(y));
    if (!values.length) return [1e-3, 1];
    return [10 ** Math.floor(Math.log10(Math.min(...values))), 10 ** Math.ceil(Math.log10(Math.max(...values)))];
  }, [series]);
  const at = (s: number) => `${(100 * Math.min(s / total, 1)).toFixed(2)}%`;
  const pcd = config?.method.method === 'pcd' ? config.method : null;
  const passes =
    !pcd || (pcd.fineToCoarse && pcd.coarseToFine) ? 'both passes' : pcd.fineToCoarse ? 'fine → coarse pass only' : 'coarse → fine pass only';
  return (
    <ChartCard
      id="schedule"
      title="Stage schedule"
      explanation={
        config?.schedule.kind === 'joint' ? (
          passes === 'both passes' ? (
            <>
              The paper’s loss: every stage, in both passes (fine → coarse and coarse → fine), at every step. Below: each stage’s loss{' '}
              <M tex="L_k" says="Lₖ" /> over time, one line each.
            </>
          ) : (
            <>
              Every stage at every step, in the {passes} (the paper uses both). Below: each stage’s loss <M tex="L_k" says="Lₖ" /> over time, one line
              each.
            </>
          )
        ) : (
          <>
            Scheduled PCD: each phase trains with one stage’s loss only (▶ marks it here and in the class groups chart). The marker is the current
            step (dashed: the step the history slider shows). Below: each stage’s loss <M tex="L_k" says="Lₖ" /> over time, one line each, with each
            phase shaded in the colour of the stage it trains.
          </>
        )
      }
      empty={!applied ? 'Waiting for the configuration to be applied.' : stages ? null : 'Stage schedules belong to PCD: choose PCD as the method.'}
    >
      <div
        className="timeline"
        role="img"
        aria-label={`Schedule over ${total} steps: ${phases.map((p) => `${p.stage === null ? 'all stages' : `stage ${p.stage}`} from ${Math.round(p.start * total)} to ${Math.round(p.end * total)}`).join('; ')}; now at step ${step}`}
      >
        {phases.map((phase, i) => (
          <div
            key={i}
            className={`phase${phases.length > 1 && step / total >= phase.start && (step / total < phase.end || (i === phases.length - 1 && step >= total)) ? ' phase-now' : ''}`}
            aria-current={phases.length > 1 && step / total >= phase.start && step / total < phase.end ? 'step' : undefined}
            style={{
              left: `${100 * phase.start}%`,
              width: `${100 * (phase.end - phase.start)}%`,
              background: phase.stage === null ? '#56B4E9' : groupColour(phase.stage - 1, Math.max(stages, 1)),
            }}
            title={`${phase.stage === null ? 'all stages' : `stage ${phase.stage}`}: steps ${Math.round(phase.start * total)}–${Math.round(phase.end * total)}`}
          >
            <span>{phase.stage === null ? `all ${stages} stages, ${passes}` : `S${phase.stage}`}</span>
          </div>
        ))}
        <div className="marker" style={{ left: at(step) }} data-testid="schedule-marker" />
        {historyStep !== null ? <div className="marker history-marker" style={{ left: at(historyStep) }} /> : null}
      </div>
      {stages ? (
        <>
          <div className="card-controls">
            <label>
              <input type="checkbox" checked={log} onChange={(e) => setLog(e.target.checked)} data-testid="stage-loss-log" /> log scale
            </label>
          </div>
          <LinePlot
            label={`Each stage's loss over training, one line per stage${phases.length > 1 ? ', each stage’s phases shaded in its colour' : ''}`}
            series={series}
            height={170}
            x={{ domain: [0, total], label: 'step' }}
            y={log ? { label: 'Lₖ', log: true, domain: logDomain } : { label: 'Lₖ' }}
            bands={
              phases.length > 1
                ? phases
                    .filter((p) => p.stage !== null)
                    .map((p) => ({
                      from: p.start * total,
                      to: p.end * total,
                      colour: groupColour(p.stage! - 1, Math.max(stages, 1)),
                      label: `S${p.stage}`,
                    }))
                : undefined
            }
          />
        </>
      ) : null}
      {hideEditor ? null : <SegmentEditor />}
    </ChartCard>
  );
}
