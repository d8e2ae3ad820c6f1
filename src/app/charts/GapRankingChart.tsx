import { useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import { groupColour } from '../palette';
import { useSession } from '../store/session-store';
import { ChartCard } from './ChartCard';
import { rankedGaps } from './probe-view';
import { useShownProbe } from './use-live';

/** Classes sorted by |teacher − student| logit gap, coloured by their group at the selected stage. */
export function GapRankingChart() {
  const { probe, version, applied } = useShownProbe();
  const { probeSample, rankingMode, selectedStage, selectedRun } = useSession(
    useShallow((s) => ({ probeSample: s.probeSample, rankingMode: s.rankingMode, selectedStage: s.selectedStage, selectedRun: s.selectedRun })),
  );
  const names = applied?.info.classNames ?? [];
  const ranked = useMemo(
    () => (probe && selectedRun ? rankedGaps(probe, selectedRun, rankingMode === 'average' ? 'average' : Math.min(probeSample, probe.count - 1), selectedStage) : null),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [probe, version, selectedRun, rankingMode, probeSample, selectedStage],
  );
  const data = ranked?.map((r, rank) => ({ rank: rank + 1, name: names[r.classIndex] ?? String(r.classIndex), gap: r.gap, group: r.group })) ?? [];
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
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 4, left: 0 }} barCategoryGap={data.length > 30 ? 0 : 2}>
          <CartesianGrid strokeDasharray="3 3" stroke="#ddd" vertical={false} />
          <XAxis dataKey="name" fontSize={10} interval={data.length > 20 ? Math.ceil(data.length / 12) - 1 : 0} label={{ value: 'class, by rank', fontSize: 10, position: 'insideBottom', offset: -2 }} />
          <YAxis fontSize={11} width={40} label={{ value: '|gap|', angle: -90, position: 'insideLeft', fontSize: 11 }} />
          <Tooltip formatter={(v: unknown) => (typeof v === 'number' ? v.toFixed(3) : String(v))} labelFormatter={(name, payload) => `class ${name} (rank ${payload?.[0]?.payload?.rank ?? '?'}, group ${payload?.[0]?.payload?.group ?? '?'})`} />
          <Bar dataKey="gap" isAnimationActive={false}>
            {data.map((d) => (
              <Cell key={d.rank} fill={groupColour(d.group, selectedStage)} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
