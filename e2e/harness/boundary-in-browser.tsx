// Loaded into the app's page by e2e/hardening.spec.ts: a panel that throws while rendering,
// inside the app's own error boundary, mounted beside the playground.
import { createRoot } from 'react-dom/client';
import { ErrorBoundary } from '../../src/app/panels/ErrorBoundary';

function Broken(): never {
  throw new TypeError("Cannot read properties of undefined (reading 'length')");
}

export function mountBrokenPanel(): void {
  const host = document.createElement('div');
  host.id = 'broken-host';
  document.body.append(host);
  createRoot(host).render(
    <ErrorBoundary name="the broken panel">
      <Broken />
    </ErrorBoundary>,
  );
}
