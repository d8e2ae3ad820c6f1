import { zipSync } from 'fflate';
import { featureSize } from '../data/dataset';
import { megabytes } from '../data/text';
import { reproductionFiles, type ReproductionSource } from './bundle';

/** The most sample bytes a .zip built in the page may hold (it is built in memory, beside the dataset). */
export const MAX_ZIP_SAMPLE_BYTES = 512 * 1024 * 1024;

/**
 * The page's "Reproduce this run": the bundle's files in one .zip under a folder named
 * `folder` (unzipped, `python3 <folder>/reproduce.py` runs it). The .npy files compress
 * well; run.json and reproduce.py are text. A dataset whose samples alone pass
 * {@link MAX_ZIP_SAMPLE_BYTES} is refused before anything is built, with its size.
 */
export async function reproductionZip(source: ReproductionSource, folder: string): Promise<Uint8Array> {
  const { dataset } = source;
  const samples = (dataset.train.count + dataset.test.count) * featureSize(dataset) * 4;
  if (samples > MAX_ZIP_SAMPLE_BYTES) {
    throw new Error(
      `the samples are ${megabytes(samples)} as .npy, more than a .zip the page builds in memory (${megabytes(MAX_ZIP_SAMPLE_BYTES)}): export a run on fewer or smaller samples`,
    );
  }
  const files = await reproductionFiles(source);
  return zipSync(Object.fromEntries([...files].map(([name, bytes]) => [`${folder}/${name}`, bytes])), { level: 6 });
}
