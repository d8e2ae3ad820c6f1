import type { Dataset, DatasetSplit } from './dataset';
import { MNIST_PIXELS, mnistManifestSchema, sha256Hex, type MnistManifest } from './mnist-format';
import { fetchJsonFile, fetchSiteFile, SiteFileError } from './site-files';

const REBUILD_HINT = 'run `npm run data` to build it';

/** Reads and validates the manifest of the MNIST files under `baseUrl` (ending in `/`). */
export async function loadMnistManifest(baseUrl: string, fetchFn: typeof fetch = fetch): Promise<MnistManifest> {
  return fetchJsonFile(`${baseUrl}manifest.json`, mnistManifestSchema, fetchFn, REBUILD_HINT);
}

function decodeSplit(bytes: Uint8Array, split: MnistManifest['splits']['train'], file: string): DatasetSplit {
  const { count, imagesOffset, labelsOffset } = split;
  if (imagesOffset + count * MNIST_PIXELS > bytes.length || labelsOffset + count > bytes.length) {
    throw new SiteFileError(file, 'a split lies outside the file');
  }
  const features = new Float32Array(count * MNIST_PIXELS);
  for (let i = 0; i < features.length; i++) features[i] = bytes[imagesOffset + i] / 255;
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = bytes[labelsOffset + i];
    if (label > 9) throw new SiteFileError(file, `label ${label} of sample ${i} is not a digit 0…9`);
    labels[i] = label;
  }
  return { features, labels, count };
}

/**
 * Loads the MNIST digits the site ships (`npm run data`), checking size and SHA-256:
 * a missing, truncated or corrupt file is an error naming the file, never a silent
 * wrong result. Pixels become floats in [0, 1].
 */
export async function loadMnist(baseUrl: string, fetchFn: typeof fetch = fetch): Promise<Dataset> {
  const manifest = await loadMnistManifest(baseUrl, fetchFn);
  const url = `${baseUrl}${manifest.file}`;
  const response = await fetchSiteFile(url, fetchFn, REBUILD_HINT);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length !== manifest.bytes) {
    const what = bytes.length < manifest.bytes ? 'truncated' : 'too long';
    throw new SiteFileError(url, `${what}: ${bytes.length} bytes, the manifest says ${manifest.bytes}`);
  }
  const digest = await sha256Hex(bytes);
  if (digest !== manifest.sha256) {
    throw new SiteFileError(
      url,
      `checksum mismatch: SHA-256 ${digest}, the manifest says ${manifest.sha256} (corrupt file; rebuild with \`npm run data\`)`,
    );
  }
  return {
    id: 'mnist',
    featureShape: [...manifest.imageShape],
    classNames: manifest.classNames,
    train: decodeSplit(bytes, manifest.splits.train, url),
    test: decodeSplit(bytes, manifest.splits.test, url),
  };
}
