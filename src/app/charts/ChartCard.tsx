import type { ReactNode } from 'react';
import { useSession } from '../store/session-store';
import { useChartSlot } from './chart-slot';

/** A titled panel with a one-line explanation; `empty` shows instead of the chart until data comes. */
export function ChartCard(props: {
  id: string;
  title: string;
  explanation: ReactNode;
  empty?: string | null;
  children: ReactNode;
  controls?: ReactNode;
}) {
  // While a new configuration prepares, what the chart holds is the previous one's: it says so instead of showing it.
  const preparing = useSession((s) => s.status === 'loading');
  const empty = preparing ? 'Preparing the new configuration…' : props.empty;
  const large = useLargeSlot();
  return (
    <section
      className={`card chart-card${preparing ? ' preparing' : ''}${large ? ' chart-large' : ''}`}
      aria-labelledby={`${props.id}-title`}
      data-testid={`chart-${props.id}`}
      data-has-data={empty ? 'false' : 'true'}
      data-preparing={preparing ? 'true' : undefined}
    >
      <header className="card-header">
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        <div className="card-controls">
          {props.controls}
          <EnlargeButton title={props.title} />
        </div>
      </header>
      <p className="explain">{props.explanation}</p>
      {/* The chart stays mounted while empty (mounting a chart is the costly part of drawing it). */}
      <div className="chart-body">
        {props.children}
        {empty ? <p className="empty">{empty}</p> : null}
      </div>
    </section>
  );
}

/** Whether this card is the presentation view's large chart. */
export function useLargeSlot(): boolean {
  const present = useSession((s) => s.present);
  const slot = useChartSlot();
  return present && slot.large;
}

/** In the presentation view, a strip chart's button that draws it large (the large one has none). */
export function EnlargeButton({ title }: { title: string }) {
  const present = useSession((s) => s.present);
  const enlarge = useSession((s) => s.enlarge);
  const slot = useChartSlot();
  if (!present || slot.large || slot.id === null) return null;
  const id = slot.id;
  return (
    <button type="button" className="enlarge" onClick={() => enlarge(id)} aria-label={`Show “${title}” large`} data-testid={`enlarge-${id}`}>
      Enlarge
    </button>
  );
}
