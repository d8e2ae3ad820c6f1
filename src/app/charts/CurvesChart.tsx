import { useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { runColour, RUN_LABEL } from '../palette';
import { ChartCard } from './ChartCard';
import { thinIndices, useLive } from './use-live';

const POINTS = 300;

/** Train loss per step (thinned), test loss and train/test accuracy at each evaluation. */
export function CurvesChart() {
  const { live, version, applied } = useLive();
  const runs = applied?.info.runs.map((r) => r.id) ?? [];
  const { lossLines, accuracy } = useMemo(() => {
    const lossLines = runs.map((id) => {
      const series = live.series[id];
      const rows = series ? thinIndices(series.steps.length, POINTS).map((i) => ({ step: series.steps[i] + 1, loss: series.loss[i] })) : [];
      const test = live.evaluations.filter((e) => e.id === id).map((e) => ({ step: e.step, loss: e.testLoss }));
      return { id, rows, test };
    });
    const accuracy = runs.map((id) => ({
      id,
      rows: live.evaluations.filter((e) => e.id === id).map((e) => ({ step: e.step, test: 100 * e.testAccuracy, train: 100 * e.trainAccuracy })),
    }));
    return { lossLines, accuracy };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [version, applied]);
  const teacher = applied?.info.teacherTestAccuracy;
  const total = applied?.info.totalSteps ?? 1;
  const hasLoss = lossLines.some((l) => l.rows.length);
  return (
    <ChartCard
      id="curves"
      title="Loss and accuracy"
      explanation="Training loss at every step (solid) and test loss (dots) per run; accuracy on the test split (solid) and on training samples (dashed) at each epoch, with the teacher's test accuracy as the dotted line."
      empty={hasLoss ? null : 'Press play: the curves start with the first step.'}
    >
      <div className="chart-pair">
        <ResponsiveContainer width="100%" height={200}>
          <LineChart margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#ddd" />
            <XAxis type="number" dataKey="step" domain={[0, total]} allowDuplicatedCategory={false} tickCount={5} fontSize={11} />
            <YAxis fontSize={11} width={40} label={{ value: 'loss', angle: -90, position: 'insideLeft', fontSize: 11 }} />
            <Tooltip formatter={(v: unknown) => (typeof v === 'number' ? v.toFixed(4) : String(v))} labelFormatter={(s) => `step ${s}`} />
            <Legend wrapperStyle={{ fontSize: 11 }} />
            {lossLines.map((l) => (
              <Line key={l.id} data={l.rows} dataKey="loss" name={`${RUN_LABEL[l.id] ?? l.id} train`} stroke={runColour(l.id)} dot={false} isAnimationActive={false} strokeWidth={1.5} />
            ))}
            {lossLines.map((l) => (
              <Line key={`${l.id}-test`} data={l.test} dataKey="loss" name={`${RUN_LABEL[l.id] ?? l.id} test`} stroke={runColour(l.id)} strokeWidth={0} dot={{ r: 3, fill: runColour(l.id) }} isAnimationActive={false} legendType="circle" />
            ))}
          </LineChart>
        </ResponsiveContainer>
        <ResponsiveContainer width="100%" height={200}>
          <LineChart margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#ddd" />
            <XAxis type="number" dataKey="step" domain={[0, total]} allowDuplicatedCategory={false} tickCount={5} fontSize={11} />
            <YAxis domain={[0, 100]} fontSize={11} width={40} unit="%" />
            <Tooltip formatter={(v: unknown) => (typeof v === 'number' ? `${v.toFixed(2)}%` : String(v))} labelFormatter={(s) => `step ${s}`} />
            <Legend wrapperStyle={{ fontSize: 11 }} />
            {teacher != null ? <ReferenceLine y={100 * teacher} stroke="#000" strokeDasharray="2 4" label={{ value: `teacher ${(100 * teacher).toFixed(1)}%`, fontSize: 10, position: 'insideBottomRight' }} /> : null}
            {accuracy.map((a) => (
              <Line key={a.id} data={a.rows} dataKey="test" name={`${RUN_LABEL[a.id] ?? a.id} test`} stroke={runColour(a.id)} isAnimationActive={false} dot={{ r: 2 }} />
            ))}
            {accuracy.map((a) => (
              <Line key={`${a.id}-train`} data={a.rows} dataKey="train" name={`${RUN_LABEL[a.id] ?? a.id} train`} stroke={runColour(a.id)} strokeDasharray="4 3" isAnimationActive={false} dot={false} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </ChartCard>
  );
}
