import { useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { runColour, RUN_LABEL } from '../palette';
import { ChartCard } from './ChartCard';
import { useLive } from './use-live';

/** How well each student reproduces the teacher's low-probability classes, over training. */
export function AgreementChart() {
  const { live, version, applied } = useLive();
  const runs = applied?.info.runs.map((r) => r.id) ?? [];
  const lines = useMemo(
    () =>
      runs.map((id) => ({
        id,
        rows: live.evaluations
          .filter((e) => e.id === id && e.nonTargetRankCorrelation !== null)
          .map((e) => ({ step: e.step, rho: e.nonTargetRankCorrelation, kl: e.nonTargetKl, agree: 100 * (e.teacherAgreement ?? 0) })),
      })),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [version, applied],
  );
  const total = applied?.info.totalSteps ?? 1;
  return (
    <ChartCard
      id="agreement"
      title="Low-probability-class agreement"
      explanation="Over the test split, ignoring the true class: the Spearman correlation of teacher and student probabilities (solid, higher is better) and KL(teacher ‖ student) (dashed, lower is better), at each epoch."
      empty={lines.some((l) => l.rows.length) ? null : 'Comes with the first evaluation (end of the first epoch).'}
    >
      <ResponsiveContainer width="100%" height={200}>
        <LineChart margin={{ top: 8, right: 4, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#ddd" />
          <XAxis type="number" dataKey="step" domain={[0, total]} allowDuplicatedCategory={false} tickCount={5} fontSize={11} />
          <YAxis yAxisId="rho" domain={[-0.2, 1]} fontSize={11} width={36} />
          <YAxis yAxisId="kl" orientation="right" fontSize={11} width={36} />
          <Tooltip formatter={(v: unknown) => (typeof v === 'number' ? v.toFixed(3) : String(v))} labelFormatter={(s) => `step ${s}`} />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          {lines.map((l) => (
            <Line key={l.id} yAxisId="rho" data={l.rows} dataKey="rho" name={`${RUN_LABEL[l.id] ?? l.id} rank corr.`} stroke={runColour(l.id)} isAnimationActive={false} dot={{ r: 2 }} />
          ))}
          {lines.map((l) => (
            <Line key={`${l.id}-kl`} yAxisId="kl" data={l.rows} dataKey="kl" name={`${RUN_LABEL[l.id] ?? l.id} KL`} stroke={runColour(l.id)} strokeDasharray="4 3" isAnimationActive={false} dot={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
