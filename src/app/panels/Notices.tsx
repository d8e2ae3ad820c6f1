import { useShallow } from 'zustand/react/shallow';
import { controller } from '../store/controller-instance';
import { useSession } from '../store/session-store';

/** What the page wants the user to know: ignored URL values, refused changes, a lost GPU. */
export function Notices() {
  const { notices, dismiss, status } = useSession(useShallow((s) => ({ notices: s.notices, dismiss: s.dismiss, status: s.status })));
  return (
    <div className="notices" aria-live="polite" data-testid="notices">
      {status === 'lost' ? (
        <p className="notice notice-error" role="alert">
          The GPU device was lost.{' '}
          <button type="button" onClick={() => void controller.recover()}>
            Continue on WebGL/CPU from the last good weights
          </button>
        </p>
      ) : null}
      {notices.map((n) => (
        <p key={n.id} className={`notice notice-${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
          <span>{n.text}</span>
          <button type="button" className="dismiss" onClick={() => dismiss(n.id)} aria-label="Dismiss this notice">
            ✕
          </button>
        </p>
      ))}
    </div>
  );
}
