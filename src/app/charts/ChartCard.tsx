import type { ReactNode } from 'react';
import { useSession } from '../store/session-store';

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
  return (
    <section
      className={`card chart-card${preparing ? ' preparing' : ''}`}
      aria-labelledby={`${props.id}-title`}
      data-testid={`chart-${props.id}`}
      data-has-data={empty ? 'false' : 'true'}
      data-preparing={preparing ? 'true' : undefined}
    >
      <header className="card-header">
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        {props.controls ? <div className="card-controls">{props.controls}</div> : null}
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
