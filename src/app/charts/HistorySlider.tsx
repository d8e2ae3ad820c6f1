import { useShallow } from 'zustand/react/shallow';
import { useSession } from '../store/session-store';
import { useLive } from './use-live';

/** Scrubs the probe charts back through the kept snapshots ("visual debugging of stage schedules"). */
export function HistorySlider() {
  const { live } = useLive().frame;
  const { historyIndex, showSnapshot } = useSession(useShallow((s) => ({ historyIndex: s.historyIndex, showSnapshot: s.showSnapshot })));
  const count = live.probes.length;
  if (count === 0) return null;
  const index = historyIndex === null ? count - 1 : Math.min(historyIndex, count - 1);
  const step = live.probes[index].step;
  return (
    <div className="history" data-testid="history">
      <label htmlFor="history-slider">
        Probe charts at step <strong>{step}</strong>
        {historyIndex === null ? ' (following training)' : ` (snapshot ${index + 1} of ${count})`}
      </label>
      <input
        id="history-slider"
        type="range"
        min={0}
        max={count - 1}
        value={index}
        onChange={(e) => {
          const value = Number(e.target.value);
          showSnapshot(value === count - 1 ? null : value);
        }}
        aria-valuetext={`step ${step}`}
      />
      <button type="button" onClick={() => showSnapshot(null)} disabled={historyIndex === null}>
        Follow live
      </button>
    </div>
  );
}
