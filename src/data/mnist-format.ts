import { z } from './zod';

/**
 * The compact MNIST format `npm run data` writes under `public/data/mnist/` and the page
 * fetches: one binary file (uint8 pixels, then uint8 labels, train split then test
 * split) described by a manifest with its size and SHA-256.
 */
export const MNIST_FORMAT = 'pcd-playground/mnist-u8@1';

const split = z.object({
  count: z.number().int().positive(),
  /** Byte offset of `count × 784` uint8 pixels (0 = black, 255 = white). */
  imagesOffset: z.number().int().nonnegative(),
  /** Byte offset of `count` uint8 labels. */
  labelsOffset: z.number().int().nonnegative(),
  classCounts: z.array(z.number().int().nonnegative()),
});

export const mnistManifestSchema = z.object({
  format: z.literal(MNIST_FORMAT),
  source: z.string(),
  file: z.string(),
  bytes: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  imageShape: z.tuple([z.literal(28), z.literal(28), z.literal(1)]),
  classNames: z.array(z.string()).length(10),
  splitSeed: z.number().int(),
  splits: z.object({ train: split, test: split }),
});

export type MnistManifest = z.infer<typeof mnistManifestSchema>;

export const MNIST_PIXELS = 28 * 28;

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
