import { CHAPTERS, LESSON_LINKS } from '../../lessons/chapters';
import { fromHash } from '../../config/link';
import { DEFAULT_PRESET } from '../../config/presets';
import { useSession } from './session-store';

let written = '';
/** The hash the page itself wrote last (its own writes are not "a new link"). */
export const lastWritten = () => written;
export const setLastWritten = (hash: string) => void (written = hash);

/**
 * Reads the location hash into the store: its configuration (or the default preset when
 * it sets none, as `#hide=setup` or `#backend=webgl` do), hidden parts, and a notice for
 * every value that was ignored. Returns the parsed state (null for an empty hash).
 */
export function loadHash(): ReturnType<typeof fromHash> {
  const store = useSession.getState();
  const state = fromHash(location.hash, LESSON_LINKS, store.local);
  if (!state) {
    store.setDraft(structuredClone(DEFAULT_PRESET.page));
    return null;
  }
  // A lesson link without settings opens the chapter's own configuration.
  const chapterPage = state.lesson === null ? null : CHAPTERS[state.lesson].page;
  store.setDraft(state.hasConfig ? { config: state.config, compare: state.compare } : structuredClone(chapterPage ?? DEFAULT_PRESET.page));
  store.linkRead({ hide: state.hide, lesson: state.lesson, present: state.present, presentLarge: state.presentLarge });
  for (const notice of state.notices) store.notify('warning', `link: ${notice}`);
  return state;
}
