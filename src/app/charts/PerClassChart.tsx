import { useEffect, useMemo, useRef } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { runColour, RUN_LABEL, viridis } from '../palette';
import { useSession } from '../store/session-store';
import { ChartCard } from './ChartCard';
import { useLive } from './use-live';

/** The confusion matrix on a canvas (rows = true class, columns = predicted, row-normalised). */
function Confusion({ matrix, classes, names }: { matrix: Int32Array; classes: number; names: string[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context) return;
    const size = canvas.current!.width;
    const cell = size / classes;
    context.clearRect(0, 0, size, size);
    for (let t = 0; t < classes; t++) {
      let total = 0;
      for (let p = 0; p < classes; p++) total += matrix[t * classes + p];
      for (let p = 0; p < classes; p++) {
        context.fillStyle = viridis(total ? matrix[t * classes + p] / total : 0);
        context.fillRect(p * cell, t * cell, Math.ceil(cell), Math.ceil(cell));
      }
    }
  }, [matrix, classes]);
  let correct = 0;
  let total = 0;
  for (let t = 0; t < classes; t++) for (let p = 0; p < classes; p++) {
    total += matrix[t * classes + p];
    if (t === p) correct += matrix[t * classes + p];
  }
  return (
    <figure className="confusion">
      <canvas
        ref={canvas}
        width={200}
        height={200}
        role="img"
        aria-label={`Confusion matrix of ${classes} classes (${names.slice(0, 3).join(', ')}…): ${correct} of ${total} test samples on the diagonal`}
      />
      <figcaption>Confusion (rows: true class, columns: predicted; dark = 0, yellow = the whole row)</figcaption>
    </figure>
  );
}

/** Per-class test accuracy of the selected run at its latest evaluation, and its confusion matrix. */
export function PerClassChart() {
  const { live, version, applied } = useLive();
  const selectedRun = useSession((s) => s.selectedRun);
  const hidden = useSession((s) => s.hide.includes('confusion'));
  const names = useMemo(() => applied?.info.classNames ?? [], [applied]);
  const latest = useMemo(
    () => [...live.evaluations].reverse().find((e) => e.id === selectedRun) ?? live.evaluations.at(-1) ?? null,
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [version, selectedRun],
  );
  const data = latest ? latest.perClassAccuracy.map((a, c) => ({ name: names[c] ?? String(c), accuracy: 100 * a })) : [];
  return (
    <ChartCard
      id="per-class"
      title={`Per-class accuracy${latest ? ` of ${RUN_LABEL[latest.id] ?? latest.id} at step ${latest.step}` : ''}`}
      explanation="Test accuracy of every class at the latest evaluation, and which classes the student confuses (pick the run above the ranking chart)."
      empty={latest ? null : 'Comes with the first evaluation (end of the first epoch).'}
    >
      {latest ? (
        <div className="per-class">
          <ResponsiveContainer width="100%" height={200}>
            <BarChart data={data} margin={{ top: 8, right: 8, bottom: 4, left: 0 }} barCategoryGap={data.length > 30 ? 0 : 2}>
              <CartesianGrid strokeDasharray="3 3" stroke="#ddd" vertical={false} />
              <XAxis dataKey="name" fontSize={10} interval={data.length > 20 ? Math.ceil(data.length / 12) - 1 : 0} />
              <YAxis domain={[0, 100]} unit="%" fontSize={11} width={44} />
              <Tooltip formatter={(v: unknown) => (typeof v === 'number' ? `${v.toFixed(1)}%` : String(v))} labelFormatter={(n) => `class ${n}`} />
              <Bar dataKey="accuracy" fill={runColour(latest.id)} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
          {hidden ? null : <Confusion matrix={latest.confusion} classes={names.length} names={names} />}
        </div>
      ) : null}
    </ChartCard>
  );
}
