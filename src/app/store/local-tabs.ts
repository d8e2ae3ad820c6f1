// Tabs of this site share one IndexedDB: when one replaces or forgets the stored dataset,
// the others are told (BroadcastChannel), so a tab never trains on, or offers, a dataset the
// store no longer holds without a word.
import type { LocalFacts } from '../../models/catalog';

const CHANNEL = 'pcd-playground-local-dataset';

type Message = { kind: 'local-changed'; facts: LocalFacts | null };

let channel: BroadcastChannel | null = null;
const open = () => (channel ??= typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(CHANNEL));

/** Tells the other tabs that this one replaced (facts) or forgot (null) the stored dataset. */
export function announceLocal(facts: LocalFacts | null): void {
  open()?.postMessage({ kind: 'local-changed', facts } satisfies Message);
}

/** Calls `onChange` when another tab replaced or forgot the stored dataset (the facts are checked by the receiver). */
export function listenForLocalChanges(onChange: (facts: unknown) => void): void {
  open()?.addEventListener('message', (event: MessageEvent<Message>) => {
    if (event.data?.kind === 'local-changed') onChange(event.data.facts);
  });
}
