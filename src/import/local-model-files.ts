// A teacher's TF.js Layers files (model.json and the weight files it names) put together as
// plain data, checked for completeness: no TF.js here, so the import worker reads them
// (src/import/import.worker.ts) and the training worker loads them (local-teacher.ts).
import type * as tf from '@tensorflow/tfjs';
import { LOCAL_LIMITS } from './local-limits';
import { LogitsFileError, utf8 } from './logits-file';
import { megabytes } from '../data/text';

/** A Layers model as plain data, as IndexedDB keeps it. */
export interface ModelArtifacts {
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

/**
 * model.json and the weight files it names, from the dropped files (matched by file name):
 * refused when there is no model.json or more than one, when it is not a Layers model, when
 * a weight file it names is missing or has the wrong size.
 */
export function modelArtifacts(files: { name: string; bytes: Uint8Array }[]): ModelArtifacts {
  const total = files.reduce((n, f) => n + f.bytes.length, 0);
  if (total > LOCAL_LIMITS.modelBytes)
    throw new LogitsFileError('teacher', null, `${megabytes(total)} of model files: at most ${megabytes(LOCAL_LIMITS.modelBytes)}`);
  const jsons = files.filter((f) => f.name.toLowerCase().endsWith('.json'));
  if (jsons.length !== 1)
    throw new LogitsFileError('teacher', null, `${jsons.length} .json files: expected one model.json and its weight files (.bin)`);
  const file = jsons[0].name;
  let json: { modelTopology?: unknown; weightsManifest?: unknown; format?: unknown };
  try {
    json = JSON.parse(utf8(file, jsons[0].bytes));
  } catch (error) {
    if (error instanceof LogitsFileError) throw error;
    throw new LogitsFileError(file, null, `not valid JSON (${(error as Error).message.slice(0, 80)})`);
  }
  if (!json || typeof json !== 'object' || !json.modelTopology || typeof json.modelTopology !== 'object') {
    throw new LogitsFileError(
      file,
      null,
      'no modelTopology: expected a TF.js Layers model (tensorflowjs_converter --output_format tfjs_layers_model)',
    );
  }
  if (json.format === 'graph-model')
    throw new LogitsFileError(file, null, 'a TF.js graph model: expected a Layers model (tensorflowjs_converter --output_format tfjs_layers_model)');
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest) || manifest.some((g) => !g || !Array.isArray(g.paths) || !Array.isArray(g.weights))) {
    throw new LogitsFileError(file, 'weightsManifest', 'missing or malformed: expected groups of {paths, weights}');
  }
  const groups = manifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  const parts: Uint8Array[] = [];
  for (const path of groups.flatMap((g) => g.paths)) {
    const base = String(path).split('/').pop()!;
    const found = files.find((f) => f.name === base);
    if (!found)
      throw new LogitsFileError(
        file,
        'weightsManifest',
        `names the weight file "${base.slice(0, 60)}", which was not given with it: drop or pick model.json and every .bin file together`,
      );
    parts.push(found.bytes);
  }
  const weightSpecs = groups.flatMap((g) => g.weights);
  const sizes: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2 };
  const expected = weightSpecs.reduce((n, w) => {
    const quantized = (w as { quantization?: { dtype: string } }).quantization?.dtype;
    const width = quantized ? (sizes[quantized] ?? 4) : (sizes[w.dtype] ?? 4);
    return n + width * (w.shape as number[]).reduce((a, b) => a * b, 1);
  }, 0);
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((offset, p) => (joined.set(p, offset), offset + p.length), 0);
  if (joined.length !== expected) {
    throw new LogitsFileError(
      groups.flatMap((g) => g.paths.map((p) => String(p).split('/').pop())).join(', '),
      null,
      `${joined.length < expected ? 'truncated' : 'too long'}: ${joined.length.toLocaleString('en')} bytes, model.json's weights need ${expected.toLocaleString('en')}`,
    );
  }
  return { modelTopology: json.modelTopology, weightSpecs, weightData: joined.buffer };
}
