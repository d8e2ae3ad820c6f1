import { useShallow } from 'zustand/react/shallow';
import type { BackendInUse } from '../../worker/api';
import { formatDuration } from '../../train/config';
import { toggleInspector } from './Inspector';
import { goTo } from './LessonPanel';
import { controller } from '../store/controller-instance';
import { useSession, type BackendState } from '../store/session-store';

const BACKEND_LABEL: Record<BackendInUse['backend'], string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WASM', cpu: 'CPU' };

const SPEEDS = [
  { label: 'Full speed', pace: 0 },
  { label: '≈ 20 steps/s', pace: 50 },
  { label: '≈ 5 steps/s', pace: 200 },
  { label: '≈ 1 step/s', pace: 1000 },
];

function BackendBadge({ state }: { state: BackendState }) {
  if (state.status === 'starting') return <p className="backend">Starting TensorFlow.js in a worker…</p>;
  if (state.status === 'failed')
    return (
      <p className="backend backend-failed" role="alert">
        No backend: {state.message}
      </p>
    );
  const { info } = state;
  return (
    <div className="backend" data-testid="backend" data-backend={info.backend}>
      <span className={`badge badge-${info.backend}`}>{BACKEND_LABEL[info.backend]}</span>
      {info.adapter ? (
        <span className="adapter" title={info.adapter}>
          {info.adapter}
        </span>
      ) : null}
    </div>
  );
}

/** What the page fell back to and why, said plainly when WebGPU is not in use. */
export function BackendNotice() {
  const backend = useSession((s) => s.backend);
  if (backend.status !== 'ready' || backend.info.backend === 'webgpu') return null;
  const { skipped } = backend.info;
  const webgpu = skipped.find((s) => s.backend === 'webgpu');
  if (!webgpu) return null;
  const software = skipped.filter((s) => s.software);
  return (
    <p className="notice notice-warning" role="status" data-testid="backend-fallback">
      {software.length
        ? `Training runs on ${BACKEND_LABEL[backend.info.backend]}: ${software.map((s) => s.reason).join('; ')}. Add backend=webgpu (or webgl, cpu) to the link to choose.`
        : `WebGPU is not available here (${webgpu.reason}); training runs on ${BACKEND_LABEL[backend.info.backend]} instead, which is slower on large models.`}
    </p>
  );
}

export function Header() {
  const s = useSession(
    useShallow((state) => ({
      backend: state.backend,
      status: state.status,
      step: state.step,
      epoch: state.epoch,
      throughput: state.throughput,
      evaluating: state.evaluating,
      pace: state.pace,
      applied: state.applied,
      hideSpeed: state.hide.includes('speed'),
      hideSetup: state.hide.includes('setup'),
      preparing: state.preparing,
      lesson: state.lesson,
      inspector: state.inspector,
      present: state.present,
      blocked: state.lesson !== null && state.chapterUnavailable !== null,
    })),
  );
  const total = s.applied?.info.totalSteps ?? 0;
  const epochs = s.applied ? Math.ceil(total / s.applied.info.stepsPerEpoch) : 0;
  // A chapter that could not prepare its run: the previous run behind it is neither trained nor counted.
  const canPlay = s.applied && s.status === 'paused' && !s.blocked;
  const running = s.status === 'running';
  return (
    <header className="app-header">
      <div className="brand">
        <h1>PCD playground</h1>
        <p className="tagline">A student network learns from a teacher by Progressive Class-level Distillation, trained for real in this page.</p>
      </div>
      <BackendBadge state={s.backend} />
      <div className="transport" role="group" aria-label="Training controls">
        {running ? (
          <button type="button" className="primary" onClick={() => void controller.pause()} data-testid="pause" aria-keyshortcuts="Space">
            ❚❚ Pause
          </button>
        ) : (
          <button
            type="button"
            className="primary"
            onClick={() => void controller.play()}
            disabled={!canPlay}
            data-testid="play"
            aria-keyshortcuts="Space"
          >
            ▶ Play
          </button>
        )}
        <button type="button" onClick={() => void controller.step()} disabled={!canPlay} data-testid="step">
          Step
        </button>
        <button
          type="button"
          onClick={() => void controller.reset()}
          disabled={!s.applied || s.status === 'loading' || s.status === 'lost' || s.blocked}
          data-testid="reset"
        >
          ⟲ Reset
        </button>
        {s.hideSpeed ? null : (
          <label className="speed">
            <span className="speed-label">Speed</span>{' '}
            <select value={s.pace} onChange={(e) => void controller.setPace(Number(e.target.value))}>
              {SPEEDS.map((speed) => (
                <option key={speed.pace} value={speed.pace}>
                  {speed.label}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {/* The page's views: in the header's flow (on a phone only the training controls sit in the bar at the bottom). */}
      <div className="page-tools" role="group" aria-label="Views">
        <button
          type="button"
          className="inspector-toggle"
          onClick={toggleInspector}
          aria-pressed={s.inspector}
          data-testid="inspector-toggle"
          title="Your own teacher and student logits: every PCD diagnostic, no training"
        >
          {s.inspector ? 'Back to the playground' : 'Inspect logits'}
        </button>
        {s.lesson === null ? (
          <button
            type="button"
            className="lesson-start"
            onClick={() => void goTo(0)}
            data-testid="lesson-start"
            title="A guided path through distillation and PCD, chapter by chapter"
          >
            Lesson
          </button>
        ) : null}
        <button
          type="button"
          className="present-toggle"
          onClick={() => useSession.getState().togglePresent()}
          aria-pressed={s.present}
          data-testid="present-toggle"
          title="For a projector: the whole width, larger type and thicker lines (present=1 in the link)"
        >
          {s.present ? 'Exit presentation' : 'Present'}
        </button>
        {s.hideSetup || s.lesson !== null ? null : (
          <button type="button" className="jump-setup" onClick={() => document.getElementById('setup-title')?.scrollIntoView({ block: 'start' })}>
            Setup ↓
          </button>
        )}
      </div>
      <dl className="counters" aria-live="off">
        <div>
          <dt>Step</dt>
          <dd data-testid="step-counter">
            {/* While a new configuration prepares, the previous run's step is not this one's. */}
            {s.status === 'loading' || s.blocked ? '–' : `${s.step.toLocaleString('en')} / ${total.toLocaleString('en')}`}
          </dd>
        </div>
        <div>
          <dt>Epoch</dt>
          <dd>
            {Math.max(s.epoch, s.step ? 1 : 0)} / {epochs}
          </dd>
        </div>
        <div>
          <dt>Throughput</dt>
          <dd data-testid="throughput">
            {s.evaluating ? (
              <span data-testid="evaluating">
                evaluating on the test split{s.evaluating.total ? ` (${Math.round((100 * s.evaluating.done) / s.evaluating.total)}%)` : ''}…
              </span>
            ) : running && s.throughput ? (
              `${s.throughput.stepsPerSecond.toFixed(1)} steps/s · ${Math.round(s.throughput.samplesPerSecond).toLocaleString('en')} samples/s`
            ) : (
              '–'
            )}
          </dd>
        </div>
        <div>
          <dt>Time left</dt>
          <dd data-testid="time-left">
            {running && s.throughput && s.throughput.stepsPerSecond > 0 && total > s.step
              ? `≈ ${formatDuration((total - s.step) / s.throughput.stepsPerSecond)}`
              : '–'}
          </dd>
        </div>
        <div>
          <dt>State</dt>
          <dd data-testid="status">{s.status}</dd>
        </div>
      </dl>
      {s.status === 'loading' && s.preparing ? (
        <div className="preparing" role="status" data-testid="preparing">
          <span>
            Preparing: {s.preparing.what}
            {s.preparing.total ? ` (${s.preparing.done.toLocaleString('en')} of ${s.preparing.total.toLocaleString('en')})` : '…'}
          </span>
          {s.preparing.total ? (
            <progress max={s.preparing.total} value={s.preparing.done} aria-label={`Preparing: ${s.preparing.what}`} />
          ) : (
            <progress aria-label="Preparing" />
          )}
        </div>
      ) : null}
    </header>
  );
}
