import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { ErrorBoundary } from './app/panels/ErrorBoundary';
import { controller } from './app/store/controller-instance';
import { loadHash } from './app/store/hash-sync';
import { useSession } from './app/store/session-store';
import { checkStoredFacts, readLocalFacts } from './import/local-store';
import { listenForLocalChanges } from './app/store/local-tabs';
import './app/app.css';
import { messageOf } from './data/text';
import { startOfflineSupport } from './app/offline';

// A dataset of one's own kept in this browser is known before the link is read (a link may
// say dataset=local); then the configuration comes from the link before the first render,
// and the worker starts once per page.
// Stored facts are checked as they are read: a record that fails is dropped and said.
let storedProblem: string | null = null;
void readLocalFacts()
  .catch((error: unknown) => {
    storedProblem = messageOf(error);
    return null;
  })
  .then((facts) => {
    if (facts) {
      useSession.getState().setLocal(facts);
    }
    if (storedProblem) useSession.getState().notify('warning', storedProblem);
    startOfflineSupport();
    const state = loadHash();
    void controller.init(state?.backend ?? null);
    // Another tab replaced or forgot the stored dataset: its facts are checked like any stored record.
    listenForLocalChanges((raw) => {
      try {
        controller.local.localChangedElsewhere(raw === null ? null : checkStoredFacts(raw));
      } catch {
        controller.local.localChangedElsewhere(null);
      }
    });
    createRoot(document.getElementById('root')!).render(
      <StrictMode>
        <ErrorBoundary name="the playground">
          <App />
        </ErrorBoundary>
      </StrictMode>,
    );
  });
