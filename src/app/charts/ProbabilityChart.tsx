import { useMemo, useState } from 'react';
import { useSession } from '../store/session-store';
import { runColour, superclassColour } from '../../config/palette';
import { ChartCard } from './ChartCard';
import { LinePlot, type Series } from './plot';
import { useRunName, useShownProbe } from './use-live';

const FLOOR = 1e-9;

/** Teacher and student probabilities of the probe sample on a log scale, classes by the teacher's probability. */
export function ProbabilityChart() {
  const name = useRunName();
  const { probe, applied } = useShownProbe();
  const probeSample = useSession((s) => s.probeSample);
  const names = useMemo(() => applied?.info.classNames ?? [], [applied]);
  const sample = probe ? Math.min(probeSample, probe.count - 1) : 0;
  // Where the dataset has superclasses: the label's siblings marked on the teacher's line, on demand.
  const superclassOf = applied?.info.superclassOf;
  const [siblings, setSiblings] = useState(false);
  const { series, order } = useMemo(() => {
    if (!probe) return { series: [] as Series[], order: [] as number[] };
    const C = probe.classes;
    const teacher = probe.teacherProbabilities?.subarray(sample * C, (sample + 1) * C);
    const order = Array.from({ length: C }, (_, c) => c);
    if (teacher) order.sort((a, b) => teacher[b] - teacher[a] || a - b);
    const series: Series[] = [];
    const dots = C <= 20;
    if (teacher)
      series.push({
        id: 'teacher',
        label: 'Teacher',
        colour: runColour('teacher'),
        width: 2.5,
        dots,
        points: order.map((c, i) => ({ x: i, y: Math.max(teacher[c], FLOOR) })),
      });
    const family = superclassOf?.[probe.labels[sample]];
    if (teacher && siblings && family !== undefined)
      series.push({
        id: 'siblings',
        label: 'the label’s superclass',
        colour: superclassColour(family),
        dotsOnly: true,
        points: order.flatMap((c, i) => (superclassOf![c] === family ? [{ x: i, y: Math.max(teacher[c], FLOOR) }] : [])),
      });
    for (const run of probe.runs) {
      series.push({
        id: run.id,
        label: name(run.id),
        colour: runColour(run.id),
        dots,
        dash: run.id === 'ce' ? '4 3' : undefined,
        points: order.map((c, i) => ({ x: i, y: Math.max(run.probabilities[sample * C + c], FLOOR) })),
      });
    }
    return { series, order };
  }, [probe, sample, siblings, superclassOf, name]);
  // Where the label's siblings sit in the teacher's order (1 = the top class): what it knows of the family.
  const familyPlaces = useMemo(() => {
    if (!probe || !superclassOf) return null;
    const family = superclassOf[probe.labels[sample]];
    return order.flatMap((c, i) => (superclassOf[c] === family ? [i + 1] : []));
  }, [probe, sample, order, superclassOf]);
  const label = probe ? names[probe.labels[sample]] : '';
  return (
    <ChartCard
      id="probabilities"
      title="Teacher vs student probabilities (log scale)"
      explanation={`Probe sample #${sample + 1}${label ? ` (true class ${label})` : ''}, classes sorted by the teacher's probability. The log scale shows the low-probability classes, the "dark knowledge" distillation passes on and PCD orders by difficulty (values under 1e-9 are drawn at 1e-9).`}
      empty={series.length ? null : 'Waiting for the first probe of the untrained students (it comes right after Apply).'}
    >
      {familyPlaces && series.length ? (
        <div className="card-controls">
          <label>
            <input type="checkbox" checked={siblings} onChange={(e) => setSiblings(e.target.checked)} data-testid="mark-superclass" /> mark the
            label’s superclass
          </label>
          <span className="explain" data-testid="superclass-places">
            The teacher ranks the superclass’s {familyPlaces.length} classes (the label’s included) at places {familyPlaces.join(', ')} of{' '}
            {order.length}.
          </span>
        </div>
      ) : null}
      <LinePlot
        label={`Teacher and student probabilities of probe sample ${sample + 1}, log scale`}
        series={series}
        height={220}
        x={{
          domain: [0, Math.max(order.length - 1, 1)],
          ticks: order.length <= 20 ? order.map((_, i) => i) : undefined,
          tickLabel: (i) => names[order[Math.round(i)]] ?? '',
          label: 'class, by teacher probability',
        }}
        y={{ log: true, domain: [FLOOR, 1], label: 'probability', format: (v) => v.toExponential(0) }}
      />
    </ChartCard>
  );
}
