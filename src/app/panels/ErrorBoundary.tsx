import { Component, type ErrorInfo, type ReactNode } from 'react';
import { clearLocal } from '../../import/local-store';

/**
 * Forgets everything this page keeps in the browser (the dataset of one's own in
 * IndexedDB) and reloads without the link's settings: the way out of a page that a stored
 * record breaks on every visit.
 */
export async function resetStoredData(): Promise<void> {
  await clearLocal().catch(() => undefined);
  location.replace(location.pathname + location.search);
}

interface Props {
  /** What the panel is, for the message ("the setup panel"). */
  name: string;
  children: ReactNode;
}

/**
 * A panel that throws while rendering shows what broke and a way out instead of taking the
 * whole page down (React unmounts everything above a render error that nothing catches).
 */
export class ErrorBoundary extends Component<Props, { error: Error | null }> {
  state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`${this.props.name} failed`, error, info.componentStack);
  }

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <section className="card panel-error" role="alert" data-testid="panel-error">
        <h2>{this.props.name[0].toUpperCase() + this.props.name.slice(1)} could not be shown</h2>
        <p>
          It failed with: <code>{String(error.message).slice(0, 300)}</code>. The rest of the page works. If data this browser keeps for the page is
          what breaks it, resetting forgets it (your own dataset, which you can load again) and reloads.
        </p>
        <p>
          <button type="button" onClick={() => this.setState({ error: null })}>
            Try again
          </button>{' '}
          <button type="button" onClick={() => void resetStoredData()} data-testid="reset-stored-data">
            Reset this page’s stored data
          </button>
        </p>
      </section>
    );
  }
}
