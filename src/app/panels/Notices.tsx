import { useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { controller } from '../store/controller-instance';
import { useSession } from '../store/session-store';

/** Notices shown at once; older ones fold into "N more". */
const SHOWN = 3;
/** An information notice (a change made, a link copied) goes away by itself after this long. */
const INFO_MS = 8000;

/**
 * Keeps what the floating stack covers reachable: the page gets room below its end for the
 * stack (`--notices-height`, also the scroll padding, so a control scrolled to is never left
 * under it), and a control that gets the focus while under the stack is scrolled clear of it.
 */
function useKeepClear(stack: React.RefObject<HTMLDivElement | null>) {
  useEffect(() => {
    const element = stack.current;
    if (!element) return;
    const root = document.documentElement;
    const observer = new ResizeObserver(() => root.style.setProperty('--notices-height', `${Math.ceil(element.getBoundingClientRect().height)}px`));
    observer.observe(element);
    const onFocus = (event: FocusEvent) => {
      const target = event.target;
      if (!(target instanceof Element) || element.contains(target)) return;
      const covered = element.getBoundingClientRect();
      const control = target.getBoundingClientRect();
      if (covered.height === 0) return;
      const overlaps = control.bottom > covered.top && control.top < covered.bottom && control.right > covered.left && control.left < covered.right;
      if (overlaps) window.scrollBy({ top: control.bottom - covered.top + 8, behavior: 'instant' });
    };
    document.addEventListener('focusin', onFocus);
    return () => {
      observer.disconnect();
      document.removeEventListener('focusin', onFocus);
      root.style.removeProperty('--notices-height');
    };
  }, [stack]);
}

/**
 * What the page wants the user to know: ignored URL values, refused changes, a lost GPU.
 * Floating over the page's corner, so they never push the charts down; at most three at
 * once, the newest last. The stack never hides a control for good: the page can scroll
 * out from under it, focus moves clear of it, and "Fold" shrinks it to one button.
 */
export function Notices() {
  const { notices, dismiss, status } = useSession(useShallow((s) => ({ notices: s.notices, dismiss: s.dismiss, status: s.status })));
  // Folded until a newer notice comes (it must be seen once): the fold remembers the newest notice it hid.
  const [foldedAt, setFoldedAt] = useState<number | null>(null);
  const stack = useRef<HTMLDivElement>(null);
  useKeepClear(stack);
  useEffect(() => {
    const timers = notices.filter((n) => n.kind === 'info' && !n.action).map((n) => setTimeout(() => dismiss(n.id), INFO_MS));
    return () => timers.forEach(clearTimeout);
  }, [notices, dismiss]);
  const newest = notices.at(-1)?.id ?? 0;
  const folded = foldedAt === newest;
  const hidden = notices.slice(0, Math.max(0, notices.length - SHOWN));
  const count = notices.length + (status === 'lost' ? 1 : 0);
  return (
    <div className="notices" aria-live="polite" data-testid="notices" ref={stack}>
      {folded && count > 0 ? (
        <button type="button" className="notice notice-folded" onClick={() => setFoldedAt(null)} aria-expanded="false">
          {count} notice{count > 1 ? 's' : ''}: show
        </button>
      ) : null}
      {!folded && count > 1 ? (
        <button type="button" className="notices-fold" onClick={() => setFoldedAt(newest)} aria-expanded="true">
          Fold notices
        </button>
      ) : null}
      {!folded && hidden.length ? (
        <p className="notice notice-more">
          <span>
            {hidden.length} earlier notice{hidden.length > 1 ? 's' : ''}
          </span>
          <button type="button" className="dismiss" onClick={() => hidden.forEach((n) => dismiss(n.id))}>
            Dismiss {hidden.length > 1 ? 'them' : 'it'}
          </button>
        </p>
      ) : null}
      {status === 'lost' && !folded ? (
        <p className="notice notice-error" role="alert">
          The GPU device was lost.{' '}
          <button type="button" onClick={() => void controller.recover()}>
            Continue on WebGL/CPU from the last good weights
          </button>
        </p>
      ) : null}
      {folded
        ? null
        : notices.slice(-SHOWN).map((n) => (
            <p key={n.id} className={`notice notice-${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
              <span>{n.text}</span>
              {n.action ? (
                <button type="button" onClick={n.action.run} data-testid="notice-action">
                  {n.action.label}
                </button>
              ) : null}
              <button type="button" className="dismiss" onClick={() => dismiss(n.id)} aria-label="Dismiss this notice">
                ✕
              </button>
            </p>
          ))}
    </div>
  );
}
