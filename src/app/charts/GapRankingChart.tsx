import { M } from '../panels/Formula';
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { groupColour } from '../../config/palette';
import { useSession } from '../store/session-store';
import { ChartCard } from './ChartCard';
import { BarPlot } from './plot';
import { rankedGaps } from './probe-view';
import { useShownProbe, useShownStage } from './use-live';

/** Classes sorted by |teacher − student| logit gap, coloured by their group at the selected stage. */
export function GapRankingChart() {
  const { probe, applied } = useShownProbe();
  const { probeSample, rankingMode, selectedRun } = useSession(
    useShallow((s) => ({ probeSample: s.probeSample, rankingMode: s.rankingMode, selectedRun: s.selectedRun })),
  );
  // In a scheduled mode, the stage that trains at the snapshot's step (unless one is picked).
  const shown = useShownStage(probe?.step ?? null);
  const selectedStage = shown.stage;
  const names = useMemo(() => applied?.info.classNames ?? [], [applied]);
  const ranked = useMemo(
    () =>
      probe && selectedRun
        ? rankedGaps(probe, selectedRun, rankingMode === 'average' ? 'average' : Math.min(probeSample, probe.count - 1), selectedStage)
        : null,
    [probe, selectedRun, rankingMode, probeSample, selectedStage],
  );
  const bars = useMemo(
    () =>
      ranked?.map((r, rank) => ({
        label: names[r.classIndex] ?? String(r.classIndex),
        value: r.gap,
        colour: groupColour(r.group, selectedStage),
        detail: `rank ${rank + 1}, group ${r.group + 1}`,
      })) ?? [],
    [ranked, names, selectedStage],
  );
  const method = applied?.info.runs.find((r) => r.id === selectedRun)?.method;
  const rankingOff = method?.method === 'pcd' && !method.ranking;
  return (
    <ChartCard
      id="ranking"
      title="Logit-gap ranking"
      explanation={
        <>
          Every class <M tex="c" says="c" /> sorted by{' '}
          <M tex={String.raw`|z^{\text{teacher}}_c - z^{\text{student}}_c|`} says="|z_teacher − z_student|" />, largest first: PCD distils the classes
          the student is furthest from with the highest priority.{' '}
          {rankingOff
            ? `Ranking is off for this run: its groups follow class order, not this order, so the colours of stage ${selectedStage} are scattered here.`
            : `Colours are the groups of stage ${selectedStage}${shown.training === selectedStage ? `, the stage training at this snapshot's step ${probe!.step}` : shown.training !== null ? ` (stage ${shown.training} is the one training at this snapshot's step ${probe!.step})` : ''}: the ranked order cut into ${selectedStage === 1 ? 'one block' : `${selectedStage} contiguous blocks`}.`}
        </>
      }
      empty={
        ranked
          ? null
          : !probe
            ? 'Waiting for the first probe of the untrained students (it comes right after Apply).'
            : 'Needs a distilling run (KD, DKD or PCD): CE has no teacher to rank against. Pick one in "Run".'
      }
    >
      <BarPlot
        label={`Classes by logit gap, coloured by group at stage ${selectedStage}`}
        bars={bars}
        height={220}
        y={{ label: '|gap|' }}
        xLabel="class, by rank"
      />
    </ChartCard>
  );
}
