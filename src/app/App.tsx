import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { AgreementChart } from './charts/AgreementChart';
import { CurvesChart } from './charts/CurvesChart';
import { GapRankingChart } from './charts/GapRankingChart';
import { HistorySlider } from './charts/HistorySlider';
import { PerClassChart } from './charts/PerClassChart';
import { ProbabilityChart } from './charts/ProbabilityChart';
import { ProbeControls } from './charts/ProbeControls';
import { ScheduleChart } from './charts/ScheduleChart';
import { StageGroupsChart } from './charts/StageGroupsChart';
import { ExportPanel } from './panels/ExportPanel';
import { BackendNotice, Header } from './panels/Header';
import { LivePanel } from './panels/LivePanel';
import { Notices } from './panels/Notices';
import { SetupPanel } from './panels/SetupPanel';
import { SummaryPanel } from './panels/SummaryPanel';
import { toHash } from './store/config-state';
import { controller } from './store/controller-instance';
import { lastWritten, loadHash, setLastWritten } from './store/hash-sync';
import { useSession } from './store/session-store';

export function App() {
  const { hide, draft, errors } = useSession(useShallow((s) => ({ hide: s.hide, draft: s.draft, errors: s.draftErrors })));

  useEffect(() => {
    // A pasted or edited link: load it and train it (the running session is replaced only if it is valid).
    const onHashChange = () => {
      // Only a configuration link (key=value pairs) replaces the session, never an in-page anchor.
      if (location.hash === lastWritten() || !location.hash.includes('=')) return;
      loadHash();
      void controller.apply();
    };
    window.addEventListener('hashchange', onHashChange);
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (event.code !== 'Space' || ['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON'].includes(target.tagName)) return;
      event.preventDefault();
      const { status } = useSession.getState();
      void (status === 'running' ? controller.pause() : controller.play());
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('hashchange', onHashChange);
      window.removeEventListener('keydown', onKey);
    };
  }, []);

  // The hash follows the draft while it is valid, so the address bar is always a working link.
  useEffect(() => {
    if (Object.keys(errors).length) return;
    // A refused backend= (say `metal`) does not stay in the address bar.
    const asked = new URLSearchParams(location.hash.slice(1)).get('backend');
    const backend = (['webgpu', 'webgl', 'cpu'] as const).find((b) => b === asked) ?? null;
    const hash = toHash(draft, { hide, backend });
    if (hash !== location.hash) {
      setLastWritten(hash);
      history.replaceState(null, '', hash);
    }
  }, [draft, errors, hide]);

  const shown = (part: (typeof hide)[number]) => !hide.includes(part);
  // With setup, live changes and export all hidden (a classroom link), the charts take the whole width.
  const side = shown('setup') || shown('live') || shown('export');
  return (
    <div className={side ? 'app' : 'app app-wide'}>
      <a
        className="skip-link"
        href="#charts"
        onClick={(event) => {
          // Moves focus without touching the address bar: the hash is the configuration link.
          event.preventDefault();
          document.getElementById('charts')?.focus();
        }}
      >
        Skip to the charts
      </a>
      <Header />
      <BackendNotice />
      <Notices />
      <div className={`layout ${!side ? 'layout-no-side' : shown('setup') ? '' : 'layout-no-setup'}`} data-testid="layout">
        {side ? (
          <div className="side">
            {shown('setup') ? <SetupPanel /> : null}
            {shown('live') ? <LivePanel /> : null}
            {shown('export') ? <ExportPanel /> : null}
          </div>
        ) : null}
        <main id="charts" className="charts" tabIndex={-1}>
          {shown('summary') ? <SummaryPanel /> : null}
          {shown('curves') ? <CurvesChart /> : null}
          <section className="card probe-bar" aria-label="Probe batch and history">
            <ProbeControls />
            {shown('history') ? <HistorySlider /> : null}
          </section>
          {shown('ranking') ? <GapRankingChart /> : null}
          {shown('groups') ? <StageGroupsChart /> : null}
          {shown('schedule') ? <ScheduleChart /> : null}
          {shown('probabilities') ? <ProbabilityChart /> : null}
          {shown('per-class') ? <PerClassChart /> : null}
          {shown('agreement') ? <AgreementChart /> : null}
        </main>
      </div>
      <footer className="app-footer">
        <p>
          Trained for real with TensorFlow.js in a Web Worker; nothing leaves this page. Method: Progressive Class-level Distillation. Source, spec and
          measurements: see the README.
        </p>
      </footer>
    </div>
  );
}
