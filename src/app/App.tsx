import { Fragment, useEffect, useState, type ReactNode } from 'react';
import { CHAPTERS, LESSON_CHARTS, type LessonChart } from '../lessons/chapters';
import { useShallow } from 'zustand/react/shallow';
import { AgreementChart } from './charts/AgreementChart';
import { ChartSlot } from './charts/chart-slot';
import { CurvesChart } from './charts/CurvesChart';
import { GapRankingChart } from './charts/GapRankingChart';
import { HistorySlider } from './charts/HistorySlider';
import { PerClassChart } from './charts/PerClassChart';
import { ProbabilityChart } from './charts/ProbabilityChart';
import { ProbeControls } from './charts/ProbeControls';
import { SceneBoxesChart } from './charts/SceneBoxesChart';
import { ScheduleChart } from './charts/ScheduleChart';
import { StageGroupsChart } from './charts/StageGroupsChart';
import { TemperatureChart } from './charts/TemperatureChart';
import { ExportPanel } from './panels/ExportPanel';
import { ErrorBoundary } from './panels/ErrorBoundary';
import { BackendNotice, Header } from './panels/Header';
import { Inspector } from './panels/Inspector';
import { Cue, goTo, LessonPanel } from './panels/LessonPanel';
import { LivePanel } from './panels/LivePanel';
import { LocalDataPanel } from './panels/LocalDataPanel';
import { Notices } from './panels/Notices';
import { SetupPanel } from './panels/SetupPanel';
import { SummaryPanel } from './panels/SummaryPanel';
import { toHash } from '../config/link';
import { controller } from './store/controller-instance';
import { lastWritten, loadHash, setLastWritten } from './store/hash-sync';
import { useSession } from './store/session-store';
import { useMediaQuery } from './use-media-query';

export function App() {
  const { hide, draft, errors, lesson, inspector, localPanel, present, presentLarge, detection, chapterUnavailable } = useSession(
    useShallow((s) => ({
      detection: s.applied?.info.task === 'detection',
      hide: s.hide,
      draft: s.draft,
      errors: s.draftErrors,
      lesson: s.lesson,
      inspector: s.inspector,
      localPanel: s.localPanel,
      present: s.present,
      presentLarge: s.presentLarge,
      chapterUnavailable: s.chapterUnavailable,
    })),
  );
  // The presentation view scales the root font size, so every rem-sized text and chart label grows with it.
  useEffect(() => {
    document.documentElement.classList.toggle('present', present);
  }, [present]);

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
      const chapter = useSession.getState().lesson;
      if (chapter !== null && event.altKey && (event.key === 'ArrowLeft' || event.key === 'ArrowRight')) {
        event.preventDefault();
        void goTo(chapter + (event.key === 'ArrowRight' ? 1 : -1));
        return;
      }
      if (event.code !== 'Space') return;
      if (['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON'].includes(target.tagName) && target.dataset.spacePlays !== 'true') return;
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
    const hash = toHash(draft, { hide, backend, lesson, present, presentLarge });
    if (hash !== location.hash) {
      setLastWritten(hash);
      history.replaceState(null, '', hash);
    }
  }, [draft, errors, hide, lesson, present, presentLarge]);

  // The presentation view shows the charts (and a lesson's text): setup, live changes and export come back on leaving it.
  const shown = (part: (typeof hide)[number]) => !hide.includes(part) && !(present && (part === 'setup' || part === 'live' || part === 'export'));
  const chapter = lesson === null ? null : CHAPTERS[lesson];
  const oneColumn = useMediaQuery('(max-width: 980px)');
  // In a lesson the side column holds the chapter (and the live changes); setup and export
  // come back when the reader leaves the lesson.
  // Every panel and chart sits in an error boundary of its own: one that breaks says so, the rest works.
  const guard = (name: string, node: ReactNode, key?: string) => (
    <ErrorBoundary name={name} key={key}>
      {node}
    </ErrorBoundary>
  );
  const charts: Record<LessonChart, ReactNode> = {
    temperature: guard('the temperature chart', <TemperatureChart />),
    summary: guard('the race summary', <SummaryPanel />),
    curves: guard('the loss and accuracy chart', <CurvesChart />),
    scenes: guard('the probe scenes chart', <SceneBoxesChart />),
    ranking: guard('the logit-gap ranking', <GapRankingChart />),
    groups: guard('the class groups chart', <StageGroupsChart />),
    schedule: guard('the stage schedule', <ScheduleChart />),
    probabilities: guard('the probabilities chart', <ProbabilityChart />),
    'per-class': guard('the per-class chart', <PerClassChart />),
    agreement: guard('the agreement chart', <AgreementChart />),
  };
  // The boxes are a detection race's chart; the agreement on low-probability classes is classification's.
  const ofTask = (id: LessonChart) => (detection ? id !== 'agreement' : id !== 'scenes');
  const visible = (id: LessonChart) =>
    ofTask(id) && (chapter ? chapter.charts.includes(id) : id !== 'temperature') && (id === 'temperature' || shown(id));
  // One column (a phone, a narrow window): the chapter's text comes first and its charts far below, so the cue moves next to its chart.
  const cueBesideChart = oneColumn && chapter !== null && visible(chapter.cueBeside);
  const sidePanels = chapter
    ? [
        guard('the lesson', <LessonPanel cueBeside={cueBesideChart} />, 'lesson'),
        shown('live') ? guard('the live changes', <LivePanel />, 'live') : null,
      ]
    : [
        shown('setup') ? guard('the setup panel', <SetupPanel />, 'setup') : null,
        shown('live') ? guard('the live changes', <LivePanel />, 'live') : null,
        shown('export') ? guard('the export panel', <ExportPanel />, 'export') : null,
      ];
  const side = sidePanels.some(Boolean);
  const visibleCharts = LESSON_CHARTS.filter(visible);
  // The presentation view draws one chart large, first, and the others in a strip below it.
  const large = present ? largeChart(visibleCharts, presentLarge, chapter?.cueBeside ?? null) : null;
  const shownCharts = large ? [large, ...visibleCharts.filter((id) => id !== large)] : visibleCharts;
  const firstProbeChart = shownCharts.findIndex((c) => PROBE_CHARTS.includes(c));
  const folded = chapter ? LESSON_CHARTS.filter((id) => ofTask(id) && !chapter.charts.includes(id) && id !== 'temperature' && shown(id)) : [];
  const probeBar = guard(
    'the probe controls',
    <section className="card probe-bar" aria-label="Probe batch and history">
      <ProbeControls />
      {shown('history') ? <HistorySlider /> : null}
    </section>,
  );
  return (
    <div className={`${side ? 'app' : 'app app-wide'}${present ? ' present' : ''}`}>
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
      {guard('the header', <Header />)}
      <BackendNotice />
      <Notices />
      {inspector ? guard('the inspector', <Inspector />) : null}
      {localPanel && !inspector ? guard('the “Your data” panel', <LocalDataPanel />) : null}
      <div
        hidden={inspector}
        className={`layout ${!side ? 'layout-no-side' : chapter || shown('setup') ? '' : 'layout-no-setup'}${chapter ? ' layout-lesson' : ''}`}
        data-testid="layout"
      >
        {side ? <div className="side">{sidePanels}</div> : null}
        <main id="charts" className="charts" tabIndex={-1}>
          {chapter && chapterUnavailable ? (
            // No previous run's charts under a chapter that could not prepare its own.
            <section className="card chapter-unavailable" role="alert" data-testid="chapter-unavailable">
              <h2>This chapter’s run could not be prepared</h2>
              <p>{chapterUnavailable}.</p>
              <p className="explain">Its charts come once it is: connect, then try again (the previous run is kept, paused, behind it).</p>
              <button type="button" onClick={() => void goTo(lesson!)}>
                Try again
              </button>
            </section>
          ) : null}
          {(chapter && chapterUnavailable ? [] : shownCharts).map((id, i) => (
            <Fragment key={id}>
              {/* The probe controls sit above the first chart that reads the probe batch. */}
              {i === firstProbeChart ? probeBar : null}
              {cueBesideChart && id === chapter?.cueBeside ? guard('the lesson’s cue', <Cue index={lesson!} beside />) : null}
              <ChartSlot.Provider value={{ id, large: id === large }}>{charts[id]}</ChartSlot.Provider>
            </Fragment>
          ))}
          {/* With no probe chart shown, the probe controls go with the folded ones (or, in free play with them hidden, stay at the end). */}
          {firstProbeChart >= 0 || (chapter && (chapterUnavailable || folded.some((c) => PROBE_CHARTS.includes(c)))) ? null : probeBar}
          {folded.length && !(chapter && chapterUnavailable) ? (
            <FoldedCharts
              ids={folded}
              charts={charts}
              probeBar={firstProbeChart < 0 && folded.some((c) => PROBE_CHARTS.includes(c)) ? probeBar : null}
            />
          ) : null}
        </main>
      </div>
      <footer className="app-footer">
        <p>
          Trained for real with TensorFlow.js in a Web Worker; nothing leaves this page. Method: Progressive Class-level Distillation. Source, spec
          and measurements: see the README. <span data-testid="build-id">Version {__BUILD_ID__}</span>.
        </p>
      </footer>
    </div>
  );
}

/**
 * The presentation view's large chart: the one the lecturer picked (`present=<chart>`, or
 * Enlarge), else the chapter's cue chart, else the loss and accuracy, else the first shown.
 */
function largeChart(shown: LessonChart[], picked: LessonChart | null, cueBeside: LessonChart | null): LessonChart | null {
  return [picked, cueBeside, 'curves' as const].find((id) => id !== null && shown.includes(id)) ?? shown[0] ?? null;
}

/** The charts that read the probe batch (sample, run and stage pickers above them). */
const PROBE_CHARTS: readonly LessonChart[] = ['temperature', 'scenes', 'ranking', 'groups', 'probabilities'];

/** A lesson's other charts: folded away, not gone; drawn only while open. */
function FoldedCharts({ ids, charts, probeBar }: { ids: LessonChart[]; charts: Record<LessonChart, ReactNode>; probeBar: ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="card folded-charts" open={open} onToggle={(e) => setOpen(e.currentTarget.open)} data-testid="folded-charts">
      <summary>
        Other charts ({ids.length}): {ids.join(', ')}
      </summary>
      {open ? probeBar : null}
      {open ? ids.map((id) => <Fragment key={id}>{charts[id]}</Fragment>) : null}
    </details>
  );
}
