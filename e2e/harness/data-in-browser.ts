// Loaded into the app's page by e2e/data.spec.ts: the app's own dataset code in Chromium.
import { loadDataset } from '../../src/data/load';
import { sha256Hex } from '../../src/data/mnist-format';
import { generateSynthetic100 } from '../../src/data/synthetic';

const siteUrl = new URL('./', document.baseURI).href;

export async function syntheticDigest(seed: number): Promise<string> {
  const data = generateSynthetic100({ seed });
  const bytes = new Uint8Array([
    ...new Uint8Array(data.train.features.buffer),
    ...new Uint8Array(data.train.labels.buffer),
    ...new Uint8Array(data.test.features.buffer),
    ...new Uint8Array(data.test.labels.buffer),
  ]);
  return sha256Hex(bytes);
}

export async function loadMnistSummary(): Promise<{ train: number; test: number; firstLabels: number[] } | { error: string }> {
  try {
    const data = await loadDataset('mnist', siteUrl);
    return { train: data.train.count, test: data.test.count, firstLabels: Array.from(data.test.labels.subarray(0, 8)) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}
