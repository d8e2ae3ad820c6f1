import type { Dataset, DatasetSplit } from './dataset';
import { MNIST_PIXELS, mnistManifestSchema, sha256Hex, type MnistManifest } from './mnist-format';

/** Raised for any problem with the dataset files; the message names the file and the fault. */
export class DatasetFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'DatasetFileError';
  }
}

type FetchLike = (url: string) => Promise<Response>;

async function fetchOrExplain(url: string, fetchFn: FetchLike): Promise<Response> {
  let response: Response;
  try {
    response = await fetchFn(url);
  } catch (error) {
    throw new DatasetFileError(url, `could not be fetched (${(error as Error).message})`);
  }
  if (!response.ok) {
    const hint = response.status === 404 ? ' (missing: run `npm run data` to build it)' : '';
    throw new DatasetFileError(url, `HTTP ${response.status} ${response.statusText}${hint}`);
  }
  return response;
}

/** Reads and validates the manifest of the MNIST files under `baseUrl` (ending in `/`). */
export async function loadMnistManifest(baseUrl: string, fetchFn: FetchLike = fetch): Promise<MnistManifest> {
  const url = `${baseUrl}manifest.json`;
  const response = await fetchOrExplain(url, fetchFn);
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    throw new DatasetFileError(url, 'is not valid JSON');
  }
  const parsed = mnistManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DatasetFileError(url, `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

function decodeSplit(bytes: Uint8Array, split: MnistManifest['splits']['train'], file: string): DatasetSplit {
  const { count, imagesOffset, labelsOffset } = split;
  if (imagesOffset + count * MNIST_PIXELS > bytes.length || labelsOffset + count > bytes.length) {
    throw new DatasetFileError(file, 'a split lies outside the file');
  }
  const features = new Float32Array(count * MNIST_PIXELS);
  for (let i = 0; i < features.length; i++) features[i] = bytes[imagesOffset + i] / 255;
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = bytes[labelsOffset + i];
    if (label > 9) throw new DatasetFileError(file, `label ${label} of sample ${i} is not a digit 0…9`);
    labels[i] = label;
  }
  return { features, labels, count };
}

/**
 * Loads the MNIST digits the site ships (`npm run data`), checking size and SHA-256:
 * a missing, truncated or corrupt file is an error naming the file, never a silent
 * wrong result. Pixels become floats in [0, 1].
 */
export async function loadMnist(baseUrl: string, fetchFn: FetchLike = fetch): Promise<Dataset> {
  const manifest = await loadMnistManifest(baseUrl, fetchFn);
  const url = `${baseUrl}${manifest.file}`;
  const response = await fetchOrExplain(url, fetchFn);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length !== manifest.bytes) {
    const what = bytes.length < manifest.bytes ? 'truncated' : 'too long';
    throw new DatasetFileError(url, `${what}: ${bytes.length} bytes, the manifest says ${manifest.bytes}`);
  }
  const digest = await sha256Hex(bytes);
  if (digest !== manifest.sha256) {
    throw new DatasetFileError(url, `checksum mismatch: SHA-256 ${digest}, the manifest says ${manifest.sha256} (corrupt file; rebuild with \`npm run data\`)`);
  }
  return {
    id: 'mnist',
    featureShape: [...manifest.imageShape],
    classNames: manifest.classNames,
    train: decodeSplit(bytes, manifest.splits.train, url),
    test: decodeSplit(bytes, manifest.splits.test, url),
  };
}
