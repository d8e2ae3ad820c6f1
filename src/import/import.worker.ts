// The import worker: reads and parses a dataset of one's own (CSV, image folders, logits and
// model files) on a thread of its own, so that a long parse never stalls training (the
// training worker) or the page. Cancel is terminating it. Started per import by the page
// (src/worker/bridge.ts).
import * as Comlink from 'comlink';
import type { DecodedImage, ImageOptions } from './local-images';
import { readLocalFiles } from './local-read';
import { transferables, type ImportProgress, type LocalImportRequest, type LocalRead } from './local-transfer';

/** An image file as `size × size × channels` values in 0…1 (transparent parts on black), by the browser's own decoder, with its size before resizing. */
async function decodeImage(file: Blob, { size, channels }: ImageOptions): Promise<DecodedImage> {
  const original = await createImageBitmap(file);
  const { width, height } = original;
  const bitmap = await createImageBitmap(original, { resizeWidth: size, resizeHeight: size, resizeQuality: 'high' });
  original.close();
  const canvas = new OffscreenCanvas(size, size);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('no 2D canvas in this browser');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const { data } = context.getImageData(0, 0, size, size);
  const out = new Float32Array(size * size * channels);
  for (let p = 0; p < size * size; p++) {
    const alpha = data[p * 4 + 3] / 255;
    const [r, g, b] = [data[p * 4], data[p * 4 + 1], data[p * 4 + 2]].map((v) => (v / 255) * alpha);
    if (channels === 1) out[p] = 0.299 * r + 0.587 * g + 0.114 * b;
    else out.set([r, g, b], p * 3);
  }
  return { pixels: out, width, height };
}

export interface ImportWorkerApi {
  read(request: LocalImportRequest, onProgress?: (progress: ImportProgress) => void): Promise<LocalRead>;
}

const api: ImportWorkerApi = {
  read: async (request, onProgress) => {
    const read = await readLocalFiles(request, decodeImage, onProgress);
    return Comlink.transfer(read, transferables(read));
  },
};

Comlink.expose(api);
