import { useDeferredValue } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useSession, type SessionStore } from '../store/session-store';

/**
 * The live data with its version, deferred: charts re-render in React's interruptible
 * background lane, so drawing never blocks the main thread for long.
 */
export function useLive() {
  const { live, version, applied } = useSession(useShallow((s: SessionStore) => ({ live: s.live, version: s.version, applied: s.applied })));
  const deferredVersion = useDeferredValue(version);
  return { live, version: deferredVersion, applied };
}

/** The probe snapshot the probe charts show: the one the history slider picks, else the latest. */
export function useShownProbe() {
  const { live, version, applied } = useLive();
  const historyIndex = useSession((s) => s.historyIndex);
  const probes = live.probes;
  const probe = probes.length ? probes[historyIndex === null ? probes.length - 1 : Math.min(historyIndex, probes.length - 1)] : null;
  return { probe, version, applied, live };
}

/** At most `limit` evenly spaced indices of an array of `length` (always the last one). */
export function thinIndices(length: number, limit: number): number[] {
  if (length <= limit) return Array.from({ length }, (_, i) => i);
  const stride = length / limit;
  const out = Array.from({ length: limit }, (_, i) => Math.floor(i * stride));
  if (out.at(-1) !== length - 1) out.push(length - 1);
  return out;
}
