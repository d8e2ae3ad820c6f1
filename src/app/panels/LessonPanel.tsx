import { useShallow } from 'zustand/react/shallow';
import { CHAPTERS } from '../../lessons/chapters';
import { asOfStep, cueText } from '../../lessons/cues';
import { Formula } from './Formula';
import { useLive } from '../charts/use-live';
import { controller } from '../store/controller-instance';
import { useSession, type RunSeries } from '../store/session-store';
import { samePage } from '../../config/page-config';

/** The PCD run's stage losses per step, for chapter 5's cue. */
function stageLossesOf(series: Record<string, RunSeries>, runs: { id: string; method: { method: string } }[]) {
  const pcd = runs.find((r) => r.method.method === 'pcd');
  const run = pcd ? series[pcd.id] : undefined;
  return run && run.stageLosses.length === run.steps.length ? { steps: run.steps, values: run.stageLosses } : undefined;
}

/** The live cue of the chapter, recomputed from the reports at most once a second. */
export function Cue({ index, beside = false }: { index: number; beside?: boolean }) {
  const {
    frame: { live },
    applied,
  } = useLive(1000);
  const { step, probeSample, status, probeTemperature, historyIndex, unavailable } = useSession(
    useShallow((s) => ({
      unavailable: s.chapterUnavailable,
      step: s.step,
      probeSample: s.probeSample,
      status: s.status,
      probeTemperature: s.probeTemperature,
      historyIndex: s.historyIndex,
    })),
  );
  const cue = CHAPTERS[index].cue;
  // The history slider moved back: the cue speaks of the snapshot the charts show.
  const shownStep = historyIndex === null ? null : (live.probes[Math.min(historyIndex, live.probes.length - 1)]?.step ?? null);
  // While the chapter's run prepares, the reports are the previous chapter's: no cue from them.
  const state =
    cue && applied && status !== 'loading' && !unavailable
      ? {
          evaluations: live.evaluations,
          raceEvaluations: live.allEvaluations(),
          probes: live.probes,
          classNames: applied.info.classNames,
          step,
          totalSteps: applied.info.totalSteps,
          probeSample,
          config: applied.page.config,
          runs: applied.info.runs.map((r) => r.id),
          teacherAccuracy: applied.info.teacherTestAccuracy,
          probeTemperature,
          stageLosses: stageLossesOf(live.series, applied.info.runs),
        }
      : null;
  const text = cue && state ? cueText(cue, shownStep === null ? state : asOfStep(state, shownStep)) : null;
  const waiting = unavailable
    ? 'Nothing to watch yet: this chapter’s run could not be prepared (see beside).'
    : status === 'loading'
      ? 'Preparing this chapter’s run…'
      : cue === 'runner-up'
        ? 'Waiting for the teacher’s probabilities of the probe samples…'
        : 'Press ▶ Play (or Space) to train; this line says when the thing to see has happened.';
  return (
    <p
      className={beside ? 'lesson-cue lesson-cue-beside' : 'lesson-cue'}
      aria-live="polite"
      data-testid="lesson-cue"
      data-has-cue={text ? 'true' : 'false'}
    >
      <span className="lesson-cue-label">{shownStep === null ? 'Now: ' : 'On the history slider: '}</span>
      {text ?? waiting}
    </p>
  );
}

/**
 * The lesson: the chapter's text, what to look for, its live cue, variants, and the way
 * through the chapters. With `cueBeside` (one column, a phone) the cue is drawn above the
 * chart it talks about instead, and the panel points there.
 */
export function LessonPanel({ cueBeside = false }: { cueBeside?: boolean }) {
  const index = useSession((s) => s.lesson);
  const applied = useSession((s) => s.applied);
  if (index === null) return null;
  const chapter = CHAPTERS[index];
  const last = index === CHAPTERS.length - 1;
  return (
    <section className="card lesson" aria-labelledby="lesson-title" data-testid="lesson" data-chapter={index + 1}>
      <p className="lesson-progress" aria-label={`Chapter ${index + 1} of ${CHAPTERS.length}`}>
        Lesson · chapter {index + 1} of {CHAPTERS.length}
        <progress max={CHAPTERS.length} value={index + 1} aria-hidden="true" />
      </p>
      <h2 id="lesson-title" tabIndex={-1}>
        {chapter.title}
      </h2>
      {chapter.paragraphs.map((text, i) => (
        <p key={i}>{text}</p>
      ))}
      {chapter.formulas.length ? (
        <div className="formulas">
          {chapter.formulas.map((formula) => (
            <Formula key={formula.tex} tex={formula.tex} says={formula.says} />
          ))}
        </div>
      ) : null}
      <div className="look-for">
        <h3>What to look for</h3>
        <p>{chapter.lookFor}</p>
      </div>
      {cueBeside ? null : <Cue index={index} />}
      {chapter.variants.length ? (
        <div className="lesson-variants" role="group" aria-label="Run a variant">
          {chapter.variants.map((variant) => {
            // The variant that trains now is marked (the summary and the charts name it too).
            const loaded = !!applied && samePage(applied.page, variant.page);
            return (
              <button
                key={variant.label}
                type="button"
                onClick={() => void controller.applyIfNew(variant.page)}
                aria-pressed={loaded}
                data-testid="lesson-variant"
              >
                {loaded ? '✓ ' : ''}
                {variant.label}
              </button>
            );
          })}
        </div>
      ) : null}
      <nav className="lesson-nav" aria-label="Lesson chapters">
        <button
          type="button"
          onClick={() => void goTo(index - 1)}
          disabled={index === 0}
          aria-keyshortcuts="Alt+ArrowLeft"
          data-testid="lesson-previous"
        >
          ← Previous
        </button>
        {last ? (
          <button type="button" className="primary" onClick={() => controller.leaveLesson()} data-testid="lesson-leave-last">
            Play freely
          </button>
        ) : (
          <button type="button" className="primary" onClick={() => void goTo(index + 1)} aria-keyshortcuts="Alt+ArrowRight" data-testid="lesson-next">
            Next →
          </button>
        )}
        <details className="lesson-chapters">
          <summary>All chapters</summary>
          <ol>
            {CHAPTERS.map((c, i) => (
              <li key={c.title}>
                <button type="button" onClick={() => void goTo(i)} aria-current={i === index ? 'step' : undefined}>
                  {c.title}
                </button>
              </li>
            ))}
          </ol>
        </details>
      </nav>
      <button
        type="button"
        className="lesson-leave"
        onClick={() => {
          controller.leaveLesson();
          // The lesson panel goes; focus moves to the setup panel that replaces it, not to the page's body.
          requestAnimationFrame(() => document.getElementById('setup-title')?.focus());
        }}
        data-testid="lesson-leave"
      >
        Leave the lesson (keep this configuration)
      </button>
    </section>
  );
}

/** Opens a chapter and moves focus to its title, so a keyboard or screen-reader user lands on it. */
export async function goTo(index: number): Promise<void> {
  if (index < 0 || index >= CHAPTERS.length) return;
  const opened = controller.openChapter(index);
  requestAnimationFrame(() => document.getElementById('lesson-title')?.focus());
  await opened;
}
