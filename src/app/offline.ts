// The site in a lecture hall: the service worker (vite.config.ts, Workbox) is registered in
// the built site, an update waits for the reader, and the page says when it is offline and
// what it can still train on. Nothing here runs in the dev server (no service worker there).
import { registerSW } from 'virtual:pwa-register';
import type { DatasetId } from '../data/dataset';
import { useSession } from './store/session-store';

/** The cache the service worker keeps datasets and teachers in (named by their bytes, in vite.config.ts). */
const SITE_FILES_CACHE = __SITE_FILES_CACHE__;

/** The files each dataset needs from the site (the synthetic data is generated in the page; its teacher is files). */
const SITE_FILES: Record<DatasetId | 'scenes', string[]> = {
  synthetic100: ['models/synthetic100/teacher/metadata.json', 'models/synthetic100/teacher/model.json', 'models/synthetic100/teacher/weights.bin'],
  mnist: [
    'data/mnist/manifest.json',
    'data/mnist/mnist.bin',
    'models/mnist/teacher/metadata.json',
    'models/mnist/teacher/model.json',
    'models/mnist/teacher/weights.bin',
  ],
  scenes: [
    'data/scenes/manifest.json',
    'data/scenes/scenes.bin',
    'models/scenes/teacher/metadata.json',
    'models/scenes/teacher/model.json',
    'models/scenes/teacher/weights.bin',
  ],
};
const NAMES: Record<DatasetId | 'scenes', string> = { synthetic100: 'the 100-class data', mnist: 'MNIST', scenes: 'the digit-scene data' };

/**
 * Keeps a dataset's files (and its teacher's) for offline use once it has been used: the
 * training worker fetched them, possibly before the service worker controlled the page, so
 * the page puts them in the cache the service worker serves from (mostly from the HTTP
 * cache, not the network). The built site only.
 */
export async function keepForOffline(dataset: string): Promise<void> {
  if (!import.meta.env.PROD || !('caches' in window) || !(dataset in SITE_FILES)) return;
  const cache = await caches.open(SITE_FILES_CACHE);
  const urls = SITE_FILES[dataset as DatasetId | 'scenes'].map((path) => new URL(path, document.baseURI).href);
  const kept = new Set((await cache.keys()).map((request) => request.url));
  const missing = urls.filter((url) => !kept.has(url));
  if (missing.length) await cache.addAll(missing);
}

/** The datasets whose files are all in the cache (each was opened once online), and the others. */
export async function availableOffline(): Promise<{ ready: string[]; missing: string[] }> {
  const cache = await caches.open(SITE_FILES_CACHE);
  const kept = new Set((await cache.keys()).map((request) => request.url));
  const ready: string[] = [];
  const missing: string[] = [];
  for (const [dataset, paths] of Object.entries(SITE_FILES) as [DatasetId | 'scenes', string[]][]) {
    (paths.every((path) => kept.has(new URL(path, document.baseURI).href)) ? ready : missing).push(NAMES[dataset]);
  }
  return { ready, missing };
}

/**
 * Why `dataset` cannot be prepared here now, or null: its files were never kept in this
 * browser and the site does not answer (offline). Asked before anything changes (the backend,
 * the run), so a configuration that cannot load leaves the page as it was. The built site only.
 */
export async function unavailableOffline(dataset: string): Promise<string | null> {
  if (!import.meta.env.PROD || !('caches' in window) || !(dataset in SITE_FILES)) return null;
  const name = NAMES[dataset as DatasetId | 'scenes'];
  const { missing } = await availableOffline();
  if (!missing.includes(name) || (await reachable())) return null;
  void wentOffline();
  return `${name.charAt(0).toUpperCase()}${name.slice(1)} needs the network once: you are offline, and it was never opened in this browser`;
}

async function sayOffline(): Promise<void> {
  const { ready, missing } = await availableOffline().catch(() => ({ ready: [] as string[], missing: Object.values(NAMES) }));
  const have = ready.length ? `${ready.join(' and ')} ${ready.length > 1 ? 'are' : 'is'} available offline` : 'no dataset is available offline yet';
  const lack = missing.length ? `; ${missing.join(' and ')} need${missing.length > 1 ? '' : 's'} the network once` : '';
  useSession.getState().notify('warning', `You are offline: ${have}${lack}.`);
}

/**
 * "Reload now": the waiting service worker takes over, then the page reloads into it (also when
 * the browser, not this page, found the update: workbox-window reloads only for updates it
 * started). Where none is waiting (another tab activated it already), or the waiting one is
 * dropped instead of taking over, the page reloads at once. No timer: under load the takeover
 * can be slow, and a reload before it lands in the old release with the new one still waiting.
 */
async function reloadIntoNewRelease(update: (reloadPage?: boolean) => Promise<void>): Promise<void> {
  const waiting = (await navigator.serviceWorker.getRegistration())?.waiting;
  if (!waiting) {
    location.reload();
    return;
  }
  navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
  waiting.addEventListener('statechange', () => {
    if (waiting.state === 'redundant') location.reload();
  });
  await update(true);
}

/** Says once that this tab's code is older than the site's (a chunk it asked for is gone), with a reload. */
let staleSaid = false;
function staleRelease(): void {
  if (staleSaid) return;
  staleSaid = true;
  useSession
    .getState()
    .notify(
      'error',
      'A part of the page could not load: a new version of the playground was deployed since this tab opened. Reload to get it (a running race starts over).',
      {
        label: 'Reload',
        run: () => location.reload(),
      },
    );
}

/** Registers the service worker and watches the network (the built site only). */
export function startOfflineSupport(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const update = registerSW({
    // A new version is installed and waiting: the reader chooses when (a running lesson is never swapped).
    onNeedRefresh: () =>
      useSession.getState().notify('info', 'A new version of the playground is ready.', {
        label: 'Reload now',
        run: () => void reloadIntoNewRelease(update),
      }),
  });
  // A part of the page loaded on demand (a chunk) that is gone: a release was deployed since this tab opened.
  window.addEventListener('vite:preloadError', () => staleRelease());
  // Caches of older releases' datasets and teachers.
  void caches
    .keys()
    .then((names) =>
      Promise.all(names.filter((name) => name.startsWith('pcd-site-files-') && name !== SITE_FILES_CACHE).map((name) => caches.delete(name))),
    );
  window.addEventListener('offline', () => void wentOffline());
  window.addEventListener('online', () => void watchForNetwork());
  // navigator.onLine only says whether there is a network at all (a hall's Wi-Fi with no way
  // out counts as online): the site itself is asked, past the service worker's cache.
  void reachable().then((online) => {
    if (!online) void wentOffline();
  });
}

/** Offline since when the page noticed (null: online). */
let offlineSince: number | null = null;
let watching: ReturnType<typeof setInterval> | null = null;

/** Says the page is offline and what it can train on, then watches for the site to answer again. */
async function wentOffline(): Promise<void> {
  if (offlineSince !== null) return;
  offlineSince = Date.now();
  await sayOffline();
  watching ??= setInterval(() => void watchForNetwork(), 5000);
}

/** Back online once the site answers (not merely when the browser says so). */
async function watchForNetwork(): Promise<void> {
  if (offlineSince === null || !(await reachable())) return;
  // Another check (the interval's, the online event's) may have said so while this one waited.
  if (offlineSince === null) return;
  offlineSince = null;
  if (watching) clearInterval(watching);
  watching = null;
  useSession.getState().notify('info', 'Back online.');
}

/** Whether the site answers over the network now (a small request no cache answers). */
async function reachable(): Promise<boolean> {
  if (!navigator.onLine) return false;
  try {
    const response = await fetch(new URL(`manifest.webmanifest?reachable=${Date.now()}`, document.baseURI), { method: 'HEAD', cache: 'no-store' });
    return response.ok;
  } catch {
    return false;
  }
}
