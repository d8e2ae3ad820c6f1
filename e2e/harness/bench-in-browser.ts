// Loaded into the app's page by `npm run bench:loss`.
import * as tf from '@tensorflow/tfjs-core';
import { benchLiveChanges, benchLosses, type LossBenchConfig } from '../../scripts/lib/loss-bench';
import { selectBackend, type BackendName } from '../../src/tf/backends';

export async function benchLossesInBrowser(backend: BackendName, config: LossBenchConfig & { liveOnly?: boolean }) {
  const inUse = await selectBackend([backend]);
  const timings = config.liveOnly ? [] : await benchLosses(config);
  const liveChanges = await benchLiveChanges(config);
  return { backend: tf.getBackend(), adapter: inUse.adapter, timings, liveChanges };
}
