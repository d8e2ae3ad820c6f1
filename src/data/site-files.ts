import type { z } from 'zod';

/** Any problem with a file the site ships; the message names the file and the fault. */
export class SiteFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'SiteFileError';
  }
}

/** Fetches `url`, turning network failures and HTTP errors into a {@link SiteFileError}. */
export async function fetchSiteFile(url: string, fetchFn: typeof fetch, missingHint = ''): Promise<Response> {
  let response: Response;
  try {
    response = await fetchFn(url);
  } catch (error) {
    throw new SiteFileError(url, `could not be fetched (${(error as Error).message})`);
  }
  if (!response.ok) {
    const hint = response.status === 404 && missingHint ? ` (missing: ${missingHint})` : '';
    throw new SiteFileError(url, `HTTP ${response.status} ${response.statusText}${hint}`);
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
