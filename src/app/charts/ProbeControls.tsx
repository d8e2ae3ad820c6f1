import { useShallow } from 'zustand/react/shallow';
import { useSession } from '../store/session-store';
import { stagesOf } from './probe-view';
import { useRunName, useShownProbe, useShownStage } from './use-live';

/** Which probe sample, which run and which stage the probe charts show. */
export function ProbeControls() {
  const name = useRunName();
  const { probe, applied } = useShownProbe();
  const { probeSample, rankingMode, selectedRun, preparing } = useSession(
    useShallow((s) => ({
      probeSample: s.probeSample,
      rankingMode: s.rankingMode,
      selectedRun: s.selectedRun,
      preparing: s.status === 'loading',
    })),
  );
  const { pickProbeSample, pickRun, pickStage, setRankingMode } = useSession.getState();
  const shown = useShownStage(probe?.step ?? null);
  // While a new configuration prepares, the probe is the previous one's (its classes, its samples).
  if (!probe || !applied || preparing) return null;
  const names = applied.info.classNames;
  // A detection race's probe samples are cells of the probe scenes.
  const cells = probe.detection?.cells;
  const sampleName = (i: number, label: number) =>
    cells
      ? `#${i + 1}: scene ${probe.detection!.scenes[cells[i].scene].index + 1}, cell (${(cells[i].cell % 8) + 1}, ${Math.floor(cells[i].cell / 8) + 1}): ${names[label] === 'background' ? 'background' : `digit ${names[label]}`}`
      : `#${i + 1}: true class ${names[label] ?? label}`;
  const distilling = probe.runs.filter((r) => r.logitGaps);
  const stages = selectedRun ? stagesOf(probe, selectedRun) : 0;
  const maxStage = Math.max(stages, applied.page.config.method.method === 'pcd' ? applied.page.config.method.stages : 1);
  return (
    <div className="probe-controls" role="group" aria-label="What the probe charts show">
      <label>
        {cells ? 'Probe cell' : 'Probe sample'}{' '}
        <select value={probeSample} onChange={(e) => pickProbeSample(Number(e.target.value))} data-testid="probe-sample">
          {probe.labels.map((label, i) => (
            <option key={i} value={i}>
              {sampleName(i, label)}
            </option>
          ))}
        </select>
      </label>
      <label>
        Run{' '}
        <select value={selectedRun ?? ''} onChange={(e) => pickRun(e.target.value)}>
          {distilling.map((r) => (
            <option key={r.id} value={r.id}>
              {name(r.id)}
            </option>
          ))}
        </select>
      </label>
      <label>
        Stage{' '}
        <select
          value={shown.follows ? 'follow' : Math.min(shown.stage, maxStage)}
          onChange={(e) => pickStage(e.target.value === 'follow' ? 'follow' : Number(e.target.value))}
          data-testid="probe-stage"
        >
          {/* In a scheduled mode the charts follow the stage that trains, unless one is picked. */}
          {shown.training !== null ? <option value="follow">the one training (now {shown.training})</option> : null}
          {Array.from({ length: maxStage }, (_, i) => (
            <option key={i} value={i + 1}>
              {i + 1} ({i + 1} group{i ? 's' : ''})
            </option>
          ))}
        </select>
      </label>
      <fieldset className="inline-radio">
        <legend>Ranking of</legend>
        <label>
          <input type="radio" name="ranking-mode" checked={rankingMode === 'sample'} onChange={() => setRankingMode('sample')} /> this sample
        </label>
        <label>
          <input type="radio" name="ranking-mode" checked={rankingMode === 'average'} onChange={() => setRankingMode('average')} /> batch average
        </label>
      </fieldset>
    </div>
  );
}
