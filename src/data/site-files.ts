import type { z } from 'zod';

/** Any problem with a file the site ships; the message names the file and the fault. */
export class SiteFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
    /**
     * True when the file came but is bad (not JSON, wrong fields, size or checksum): a copy a
     * cache may keep; false when it could not be had (offline, an HTTP error).
     */
    readonly badContent = true,
  ) {
    super(`${file}: ${message}`);
    this.name = 'SiteFileError';
  }
}

/**
 * Runs `load`, which fetches the site's files through the `fetch` it is given. When a file
 * came but is bad (a captive portal's HTML page cached as `manifest.json`, a flipped byte in a
 * cached `weights.bin`), the service worker's cache would serve that copy on every visit: the
 * file is deleted from every Cache Storage cache and the load runs once more with every file
 * fetched past the caches (`cache: 'reload'`). A file bad again is an error as before, and says
 * it was fetched again; a file that cannot be fetched (offline) is never evicted.
 */
export async function loadEvictingBadFiles<T>(
  load: (fetchFn: typeof fetch) => Promise<T>,
  fetchFn: typeof fetch,
  cacheStorage: Pick<CacheStorage, 'keys' | 'open'> | undefined = globalThis.caches,
): Promise<T> {
  try {
    return await load(fetchFn);
  } catch (error) {
    if (!(error instanceof SiteFileError) || !error.badContent || !cacheStorage) throw error;
    for (const name of await cacheStorage.keys()) await (await cacheStorage.open(name)).delete(error.file);
    const fresh: typeof fetch = (input, init) => fetchFn(input, { ...init, cache: 'reload' });
    try {
      return await load(fresh);
    } catch (again) {
      if (again instanceof SiteFileError && again.file === error.file)
        throw new SiteFileError(again.file, `${again.message.slice(again.file.length + 2)} (fetched again past the caches)`, again.badContent);
      throw again;
    }
  }
}

/** Fetches `url`, turning network failures and HTTP errors into a {@link SiteFileError}. */
export async function fetchSiteFile(url: string, fetchFn: typeof fetch, missingHint = ''): Promise<Response> {
  let response: Response;
  try {
    response = await fetchFn(url);
  } catch (error) {
    throw new SiteFileError(url, `could not be fetched (${(error as Error).message})`, false);
  }
  if (!response.ok) {
    const hint = response.status === 404 && missingHint ? ` (missing: ${missingHint})` : '';
    throw new SiteFileError(url, `HTTP ${response.status} ${response.statusText}${hint}`, false);
  }
  return response;
}

/** Fetches a JSON file and validates it, naming the first field that does not fit. */
export async function fetchJsonFile<T extends z.ZodType>(url: string, schema: T, fetchFn: typeof fetch, missingHint = ''): Promise<z.infer<T>> {
  const response = await fetchSiteFile(url, fetchFn, missingHint);
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    throw new SiteFileError(url, 'is not valid JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SiteFileError(url, `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}
