// The PCD inspector's worker: reads a logits file and computes every diagnostic off the
// page's thread, in blocks of samples, with progress; a newer request (another option, another
// file) supersedes one under way at its next block. Started by the inspector panel
// (src/worker/bridge.ts) and ended when it closes.
import * as Comlink from 'comlink';
import type { PcdOptions } from '../distill/pcd';
import { inspectInBlocks, type Inspection } from './inspect';
import { LOGITS_LIMITS, parseLogitsFile, type LogitsData } from './logits-file';
import { megabytes } from '../data/text';

/** What the page shows of a loaded file (the logits stay here). */
export interface InspectedFile {
  name: string;
  batch: number;
  classes: number;
  labels: Int32Array | null;
  classNames: string[];
}

/** `request`: the page's number for the request it reports on (a report can land after its result). */
export type InspectorProgress = { what: string; done: number; total: number; request: number };

export interface InspectorWorkerApi {
  /** Reads and checks `file`; refused, it throws and the file loaded before stays. */
  load(file: File, onProgress?: (progress: InspectorProgress) => void, request?: number): Promise<InspectedFile>;
  /** The inspection of the loaded file under `options`, or null when a newer request superseded it. */
  compute(options: PcdOptions, onProgress?: (progress: InspectorProgress) => void, request?: number): Promise<Inspection | null>;
}

/** Samples per block: small enough that a newer request waits well under a second (1,000 classes, S = 10). */
const BLOCK_ROWS = 32;

let data: LogitsData | null = null;
/** Counts requests: a computation whose number is not the latest stops at its next block. */
let latest = 0;

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

const api: InspectorWorkerApi = {
  load: async (file, onProgress, request = 0) => {
    if (file.size > LOGITS_LIMITS.bytes) throw new Error(`${file.name}: ${megabytes(file.size)}: at most ${megabytes(LOGITS_LIMITS.bytes)}`);
    onProgress?.({ what: `reading ${file.name}`, done: 0, total: 0, request });
    const parsed = parseLogitsFile(file.name, new Uint8Array(await file.arrayBuffer()));
    // Only a file that passed replaces the one loaded before; a computation on that one stops.
    data = parsed;
    latest++;
    return { name: file.name, batch: parsed.batch, classes: parsed.classes, labels: parsed.labels, classNames: parsed.classNames };
  },
  compute: async (options, onProgress, request = 0) => {
    const mine = ++latest;
    if (!data) throw new Error('no logits file is loaded');
    const result = await inspectInBlocks(data, options, BLOCK_ROWS, async (done, total) => {
      onProgress?.({ what: 'computing', done, total, request });
      await nextTask(); // lets a newer request in
      return mine !== latest;
    });
    if (!result) return null;
    const { pcd, stageGroups, gaps, kd } = result;
    return Comlink.transfer(
      result,
      [pcd.grad, pcd.ranks, pcd.groupLosses, pcd.lambdas, pcd.stageLosses, stageGroups, gaps, kd.grad].map((a) => a.buffer as ArrayBuffer),
    );
  },
};

Comlink.expose(api);
