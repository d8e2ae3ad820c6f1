import { useMemo } from 'react';
import { soften } from '../../lessons/cues';
import { useSession } from '../store/session-store';
import { runColour } from '../../config/palette';
import { ChartCard } from './ChartCard';
import { LinePlot, type Series } from './plot';
import { useShownProbe } from './use-live';

const FLOOR = 1e-9;

/** The lesson's first chart: the teacher's probabilities for one probe sample at a temperature the reader sets. */
export function TemperatureChart() {
  const { probe, applied } = useShownProbe();
  const probeSample = useSession((s) => s.probeSample);
  // In the store, so the chapter's cue quotes the τ the reader set.
  const temperature = useSession((s) => s.probeTemperature);
  const setTemperature = (value: number) => useSession.getState().setProbeTemperature(value);
  const names = useMemo(() => applied?.info.classNames ?? [], [applied]);
  const sample = probe ? Math.min(probeSample, probe.count - 1) : 0;
  const teacher = probe?.teacherProbabilities?.subarray(sample * probe.classes, (sample + 1) * probe.classes) ?? null;
  const { series, order, others } = useMemo(() => {
    if (!teacher) return { series: [], order: [] as number[], others: 0 };
    const order = Array.from(teacher.keys())
      .sort((a, b) => teacher[b] - teacher[a] || a - b)
      .slice(0, 20);
    const soft = soften(teacher, temperature);
    const dots = true;
    const series: Series[] = [
      {
        id: 'soft',
        label: `teacher at τ = ${temperature.toFixed(1)}`,
        colour: runColour('teacher'),
        width: 2.5,
        dots,
        points: order.map((c, i) => ({ x: i, y: Math.max(soft[c], FLOOR) })),
      },
      {
        id: 'plain',
        label: 'teacher at τ = 1',
        colour: runColour('teacher'),
        dash: '4 3',
        dots,
        points: order.map((c, i) => ({ x: i, y: Math.max(teacher[c], FLOOR) })),
      },
    ];
    return { series, order, others: 1 - soft[order[0]] };
  }, [teacher, temperature]);
  const label = probe ? names[probe.labels[sample]] : '';
  return (
    <ChartCard
      id="temperature"
      title="The teacher at temperature τ"
      explanation={`The teacher's probabilities for probe sample #${sample + 1}${label ? ` (true class ${label})` : ''}, on a log scale, classes by probability (the top 20 when there are more). Dividing the logits by τ lifts the small probabilities without changing their order.`}
      empty={series.length ? null : 'Waiting for the teacher’s first probe (it comes right after Apply).'}
      controls={
        <label className="temperature-control">
          τ = <output htmlFor="temperature-slider">{temperature.toFixed(1)}</output>{' '}
          <input
            id="temperature-slider"
            type="range"
            min={1}
            max={10}
            step={0.5}
            value={temperature}
            onChange={(e) => setTemperature(Number(e.target.value))}
            aria-label="Temperature τ"
            data-testid="temperature-slider"
          />
        </label>
      }
    >
      <LinePlot
        label={`Teacher probabilities of probe sample ${sample + 1} at temperature ${temperature} and at 1, log scale`}
        series={series}
        height={220}
        x={{
          domain: [0, Math.max(order.length - 1, 1)],
          ticks: order.map((_, i) => i),
          tickLabel: (i) => names[order[Math.round(i)]] ?? '',
          label: 'class, by teacher probability',
        }}
        y={{ log: true, domain: [FLOOR, 1], label: 'probability', format: (v) => v.toExponential(0) }}
      />
      {series.length ? (
        <p className="explain" data-testid="temperature-readout">
          At τ = {temperature.toFixed(1)} the other classes share {(100 * others).toPrecision(3)}% of the probability.
        </p>
      ) : null}
    </ChartCard>
  );
}
