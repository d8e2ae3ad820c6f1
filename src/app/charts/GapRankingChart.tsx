import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { groupColour } from '../palette';
import { useSession } from '../store/session-store';
import { ChartCard } from './ChartCard';
import { BarPlot } from './plot';
import { rankedGaps } from './probe-view';
import { useShownProbe } from './use-live';

/** Classes sorted by |teacher − student| logit gap, coloured by their group at the selected stage. */
export function GapRankingChart() {
  const { probe, applied } = useShownProbe();
  const { probeSample, rankingMode, selectedStage, selectedRun } = useSession(
    useShallow((s) => ({ probeSample: s.probeSample, rankingMode: s.rankingMode, selectedStage: s.selectedStage, selectedRun: s.selectedRun })),
  );
  const names = useMemo(() => applied?.info.classNames ?? [], [applied]);
  const ranked = useMemo(
    () => (probe && selectedRun ? rankedGaps(probe, selectedRun, rankingMode === 'average' ? 'average' : Math.min(probeSample, probe.count - 1), selectedStage) : null),
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
  return (
    <ChartCard
      id="ranking"
      title="Logit-gap ranking"
      explanation={
        <>
          Every class sorted by |z<sub>teacher</sub> − z<sub>student</sub>|, largest first: PCD distils the classes the student is furthest from with the
          highest priority. Colours are the groups of stage {selectedStage}: the ranked order cut into {selectedStage} contiguous blocks.
        </>
      }
      empty={ranked ? null : 'Needs a distilling run (KD, DKD or PCD): CE has no teacher to rank against.'}
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
