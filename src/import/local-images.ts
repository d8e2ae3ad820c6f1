// A dataset of one's own from a folder of images, one sub-folder per class: planned from the
// file list (hidden and system files skipped), then decoded by the decoder passed in (no DOM here).
import { megabytes as MB } from '../data/text';
import { checkCounts, type LocalSamples } from './local-samples';
import { LOCAL_LIMITS, NAME_LIMIT } from './local-limits';
import { LogitsFileError } from './logits-file';

export interface ImageOptions {
  /** Images are resized to `size × size`. */
  size: number;
  /** 1: grayscale (luminance), 3: RGB. */
  channels: 1 | 3;
}

/** What a folder picker or a drop gives: each file's path relative to the chosen folder's parent, and its size. */
export interface FolderEntry {
  path: string;
  bytes: number;
}

const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'gif', 'webp', 'bmp'];

/**
 * The plan for a folder of images, before any is decoded: one sub-folder per class
 * (`<folder>/<class>/<image>`, deeper folders count for their first level), classes sorted
 * by name, samples in class order then path order (the order a teacher's logits file
 * follows). Hidden and system files and folders (any path segment starting with ".",
 * `__MACOSX`, `Thumbs.db`, `desktop.ini`) are skipped and listed; any other file that is not
 * an image is refused, as are files directly in the folder and folders past the limits.
 * Classes are formed from the whole folder name.
 */
export function planImageFolder(entries: FolderEntry[], options: ImageOptions): ImagePlan {
  const [min, max] = LOCAL_LIMITS.imageSize;
  if (!Number.isInteger(options.size) || options.size < min || options.size > max)
    throw new LogitsFileError('image size', null, `${options.size}: expected a whole number ${min}…${max}`);
  if (options.channels !== 1 && options.channels !== 3)
    throw new LogitsFileError('channels', null, `${options.channels}: expected 1 (grayscale) or 3 (RGB)`);
  const root = entries[0]?.path.split('/')[0] ?? '';
  if (!entries.length) throw new LogitsFileError('folder', null, 'empty: expected one sub-folder of images per class');
  const kept: { index: number; className: string; path: string }[] = [];
  const skipped: string[] = [];
  let bytes = 0;
  entries.forEach((entry, index) => {
    const parts = entry.path.split('/');
    const base = parts[parts.length - 1];
    // Hidden and system files and folders anywhere in the path (.ipynb_checkpoints/, .git/, __MACOSX/, Thumbs.db) are not data.
    if (parts.slice(1).some(isHiddenOrSystem)) return void skipped.push(entry.path);
    if (parts[0] !== root) throw new LogitsFileError(entry.path, null, `not in the folder "${root}": drop or pick one folder`);
    if (parts.length < 3)
      throw new LogitsFileError(entry.path, null, 'directly in the folder: expected every image in a sub-folder named after its class');
    const extension = base.toLowerCase().match(/\.([a-z]+)$/)?.[1] ?? '';
    if (!IMAGE_EXTENSIONS.includes(extension))
      throw new LogitsFileError(entry.path, null, `not an image: expected ${IMAGE_EXTENSIONS.map((e) => `.${e}`).join(', ')}`);
    if (parts[1].length > NAME_LIMIT)
      throw new LogitsFileError(entry.path, null, `a class folder name of ${parts[1].length} characters: at most ${NAME_LIMIT}`);
    bytes += entry.bytes;
    kept.push({ index, className: parts[1], path: entry.path });
  });
  if (bytes > LOCAL_LIMITS.imageBytes) throw new LogitsFileError(root, null, `${MB(bytes)} of images: at most ${MB(LOCAL_LIMITS.imageBytes)}`);
  const classNames = [...new Set(kept.map((k) => k.className))].sort();
  checkCounts(root, kept.length, options.size * options.size * options.channels, classNames.length);
  const classIndex = new Map(classNames.map((n, i) => [n, i]));
  kept.sort((a, b) => classIndex.get(a.className)! - classIndex.get(b.className)! || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { name: root, order: kept.map((k) => k.index), labels: Int32Array.from(kept, (k) => classIndex.get(k.className)!), classNames, skipped };
}

/** A folder's plan: what is decoded, in which order, as which class; what was skipped (hidden or system files). */
export interface ImagePlan {
  name: string;
  order: number[];
  labels: Int32Array;
  classNames: string[];
  /** The paths skipped as hidden or system files. */
  skipped: string[];
}

/** A path segment that is not data: hidden (`.DS_Store`, `.ipynb_checkpoints`, `.git`), macOS's archive folder, Windows' thumbnails and folder settings. */
export function isHiddenOrSystem(segment: string): boolean {
  return segment.startsWith('.') || segment === '__MACOSX' || segment === 'Thumbs.db' || segment === 'desktop.ini';
}

/** "3 hidden or system files skipped (.ipynb_checkpoints/…, __MACOSX/…)", or null. */
export function skippedNote(skipped: string[]): string | null {
  if (!skipped.length) return null;
  const examples = [...new Set(skipped.map((p) => p.split('/').slice(1).find(isHiddenOrSystem)!))].slice(0, 3);
  return `${skipped.length.toLocaleString('en')} hidden or system file${skipped.length > 1 ? 's' : ''} skipped (${examples.join(', ')}${examples.length < new Set(skipped.map((p) => p.split('/').slice(1).find(isHiddenOrSystem))).size ? ', …' : ''})`;
}

/**
 * Decodes the planned images with `decode` (the browser's, in src/import/local-import.ts):
 * `size × size × channels` values in 0…1 per image, each checked.
 */
export async function readImageFolder(
  entries: FolderEntry[],
  options: ImageOptions,
  decode: (index: number) => Promise<DecodedImage>,
  onProgress?: (done: number, total: number) => void,
): Promise<LocalSamples> {
  const plan = planImageFolder(entries, options);
  const perSample = options.size * options.size * options.channels;
  const features = new Float32Array(plan.order.length * perSample);
  /** How many images came in each original size ("8 × 8"). */
  const sizes = new Map<string, number>();
  for (const [i, index] of plan.order.entries()) {
    let pixels: Float32Array;
    try {
      const decoded = await decode(index);
      pixels = decoded.pixels;
      const size = `${decoded.width} × ${decoded.height}`;
      sizes.set(size, (sizes.get(size) ?? 0) + 1);
    } catch (error) {
      throw new LogitsFileError(entries[index].path, null, `could not be decoded as an image (${(error as Error).message})`);
    }
    if (pixels.length !== perSample)
      throw new LogitsFileError(entries[index].path, null, `decoded to ${pixels.length} values: expected ${perSample}`);
    features.set(pixels, i * perSample);
    if (i % 50 === 49) onProgress?.(i + 1, plan.order.length);
  }
  onProgress?.(plan.order.length, plan.order.length);
  return {
    name: plan.name,
    featureShape: [options.size, options.size, options.channels],
    features,
    labels: plan.labels,
    count: plan.order.length,
    classNames: plan.classNames,
    skipped: plan.skipped,
    ...(resizedNote(sizes, options.size) ? { resized: resizedNote(sizes, options.size)! } : {}),
  };
}

/** An image as the decoder gives it: `size × size × channels` values, and its size before resizing. */
export interface DecodedImage {
  pixels: Float32Array;
  width: number;
  height: number;
}

/**
 * What resizing did, for the page: null when every image already was `size × size`; else
 * "images resized to 28 × 28 from 8 × 8", or from several sizes, the commonest first.
 */
export function resizedNote(sizes: Map<string, number>, size: number): string | null {
  const target = `${size} × ${size}`;
  if (!sizes.size || (sizes.size === 1 && sizes.has(target))) return null;
  const ranked = [...sizes.entries()].sort((a, b) => b[1] - a[1]);
  const from =
    ranked.length === 1
      ? ranked[0][0]
      : `${ranked.length} sizes (${ranked
          .slice(0, 3)
          .map(([s, n]) => `${s}: ${n.toLocaleString('en')}`)
          .join(', ')}${ranked.length > 3 ? ', …' : ''})`;
  return `images resized to ${target} from ${from}`;
}
