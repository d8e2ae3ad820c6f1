import type { ReactNode } from 'react';

/** A titled panel with a one-line explanation; `empty` shows instead of the chart until data comes. */
export function ChartCard(props: { id: string; title: string; explanation: ReactNode; empty?: string | null; children: ReactNode; controls?: ReactNode }) {
  return (
    <section className="card chart-card" aria-labelledby={`${props.id}-title`} data-testid={`chart-${props.id}`} data-has-data={props.empty ? 'false' : 'true'}>
      <header className="card-header">
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        {props.controls ? <div className="card-controls">{props.controls}</div> : null}
      </header>
      <p className="explain">{props.explanation}</p>
      {/* The chart stays mounted while empty (mounting a chart is the costly part of drawing it). */}
      <div className="chart-body">
        {props.children}
        {props.empty ? <p className="empty">{props.empty}</p> : null}
      </div>
    </section>
  );
}
