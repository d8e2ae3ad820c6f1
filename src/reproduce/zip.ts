import { zipSync } from 'fflate';
import { reproductionFiles, type ReproductionSource } from './bundle';

/**
 * The page's "Reproduce this run": the bundle's files in one .zip under a folder named
 * `folder` (unzipped, `python3 <folder>/reproduce.py` runs it). The .npy files compress
 * well; run.json and reproduce.py are text.
 */
export async function reproductionZip(source: ReproductionSource, folder: string): Promise<Uint8Array> {
  const files = await reproductionFiles(source);
  return zipSync(Object.fromEntries([...files].map(([name, bytes]) => [`${folder}/${name}`, bytes])), { level: 6 });
}
