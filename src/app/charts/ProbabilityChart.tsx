import { useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useSession } from '../store/session-store';
import { runColour, RUN_LABEL } from '../palette';
import { ChartCard } from './ChartCard';
import { useShownProbe } from './use-live';

const FLOOR = 1e-9;

/** Teacher and student probabilities of the probe sample on a log scale, classes by the teacher's probability. */
export function ProbabilityChart() {
  const { probe, version, applied } = useShownProbe();
  const probeSample = useSession((s) => s.probeSample);
  const names = applied?.info.classNames ?? [];
  const sample = probe ? Math.min(probeSample, probe.count - 1) : 0;
  const data = useMemo(() => {
    if (!probe) return [];
    const C = probe.classes;
    const teacher = probe.teacherProbabilities?.subarray(sample * C, (sample + 1) * C);
    const order = Array.from({ length: C }, (_, c) => c);
    if (teacher) order.sort((a, b) => teacher[b] - teacher[a] || a - b);
    return order.map((c) => {
      const row: Record<string, number | string> = { name: names[c] ?? String(c) };
      if (teacher) row.teacher = Math.max(teacher[c], FLOOR);
      for (const run of probe.runs) row[run.id] = Math.max(run.probabilities[sample * C + c], FLOOR);
      return row;
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [probe, version, sample]);
  const label = probe ? names[probe.labels[sample]] : '';
  return (
    <ChartCard
      id="probabilities"
      title="Teacher vs student probabilities (log scale)"
      explanation={`Probe sample #${sample + 1} (true class ${label}), classes sorted by the teacher's probability. The log scale shows the low-probability classes, the "dark knowledge" distillation passes on and PCD orders by difficulty.`}
      empty={data.length ? null : 'Waiting for the first probe.'}
    >
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={data} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#ddd" />
          <XAxis dataKey="name" fontSize={10} interval={data.length > 20 ? Math.ceil(data.length / 12) - 1 : 0} />
          <YAxis scale="log" domain={[FLOOR, 1]} allowDataOverflow fontSize={10} width={48} tickFormatter={(v: number) => v.toExponential(0)} ticks={[1e-8, 1e-6, 1e-4, 1e-2, 1]} />
          <Tooltip formatter={(v: unknown) => (typeof v === 'number' ? v.toExponential(2) : String(v))} labelFormatter={(n) => `class ${n}`} />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          {probe?.teacherProbabilities ? <Line dataKey="teacher" name="Teacher" stroke={runColour('teacher')} strokeWidth={2} dot={data.length <= 20} isAnimationActive={false} /> : null}
          {probe?.runs.map((run) => (
            <Line key={run.id} dataKey={run.id} name={RUN_LABEL[run.id] ?? run.id} stroke={runColour(run.id)} dot={data.length <= 20} strokeDasharray={run.id === 'ce' ? '4 3' : undefined} isAnimationActive={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
