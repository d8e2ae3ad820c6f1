import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { controller } from '../store/controller-instance';
import { useSession } from '../store/session-store';

/** Notices shown at once; older ones fold into "N more". */
const SHOWN = 3;
/** An information notice (a change made, a link copied) goes away by itself after this long. */
const INFO_MS = 8000;

/**
 * What the page wants the user to know: ignored URL values, refused changes, a lost GPU.
 * Floating over the page's corner, so they never push the charts down; at most three at
 * once, the newest last.
 */
export function Notices() {
  const { notices, dismiss, status } = useSession(useShallow((s) => ({ notices: s.notices, dismiss: s.dismiss, status: s.status })));
  useEffect(() => {
    const timers = notices.filter((n) => n.kind === 'info').map((n) => setTimeout(() => dismiss(n.id), INFO_MS));
    return () => timers.forEach(clearTimeout);
  }, [notices, dismiss]);
  const hidden = notices.slice(0, Math.max(0, notices.length - SHOWN));
  return (
    <div className="notices" aria-live="polite" data-testid="notices">
      {hidden.length ? (
        <p className="notice notice-more">
          <span>
            {hidden.length} earlier notice{hidden.length > 1 ? 's' : ''}
          </span>
          <button type="button" className="dismiss" onClick={() => hidden.forEach((n) => dismiss(n.id))}>
            Dismiss {hidden.length > 1 ? 'them' : 'it'}
          </button>
        </p>
      ) : null}
      {status === 'lost' ? (
        <p className="notice notice-error" role="alert">
          The GPU device was lost.{' '}
          <button type="button" onClick={() => void controller.recover()}>
            Continue on WebGL/CPU from the last good weights
          </button>
        </p>
      ) : null}
      {notices.slice(-SHOWN).map((n) => (
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
