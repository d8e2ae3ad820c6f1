// The page's configuration: the trainer config plus the methods raced beside it, read
// from untrusted places (the URL hash, an imported JSON file) through one path. Values
// are copied field by field onto known defaults, never evaluated; unknown or malformed
// ones are dropped with a notice, and the result passes the trainer's zod schema.
import type { AnyDatasetId } from '../data/dataset';
import { DECIMAL } from '../data/decimal';
import type { LocalFacts } from '../models/catalog';
import type { PageConfig } from './types';
import { methodDefaults, METHODS, type Method, type MethodConfig } from '../distill/methods';
import {
  ADAM_LEARNING_RATE,
  classCount,
  defaultTrainerConfig,
  parseRuns,
  parseTrainerConfig,
  ConfigError,
  type TrainerConfig,
} from '../train/config';

export type { Hideable, PageConfig } from './types';
export { HIDEABLE } from './types';

const DATASETS: AnyDatasetId[] = ['mnist', 'synthetic100', 'scenes', 'local'];

type Leaf = string | number | boolean;
/** The smallest normal float64: below it, numbers lose precision (subnormal) and then read as 0. */
const FLOAT64_MIN_NORMAL = 2.2250738585072014e-308;
type Flat = Map<string, unknown>;

/** Bounds a crafted link or file cannot push past: nesting depth, key length, number of keys. */
export const INPUT_LIMITS = { depth: 6, keyLength: 100, keys: 200 } as const;

/**
 * Dotted paths of the leaves of a nested object, without recursion and within
 * INPUT_LIMITS: anything deeper, longer or past the count is reported in `dropped`.
 */
export function flatten(value: unknown, dropped: string[] = []): Flat {
  const out: Flat = new Map();
  const stack: { prefix: string; value: unknown; depth: number }[] = [{ prefix: '', value, depth: 0 }];
  while (stack.length) {
    const { prefix, value: node, depth } = stack.pop()!;
    if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
      if (depth >= INPUT_LIMITS.depth) {
        dropped.push(`"${prefix.slice(0, 40)}…" is nested more than ${INPUT_LIMITS.depth} levels deep`);
        continue;
      }
      for (const [key, inner] of Object.entries(node).reverse())
        stack.push({ prefix: prefix ? `${prefix}.${key}` : key, value: inner, depth: depth + 1 });
    } else if (prefix) {
      if (prefix.length > INPUT_LIMITS.keyLength) dropped.push(`"${prefix.slice(0, 40)}…" is longer than ${INPUT_LIMITS.keyLength} characters`);
      else if (out.size >= INPUT_LIMITS.keys) dropped.push(`"${prefix.slice(0, 40)}" is past the first ${INPUT_LIMITS.keys} settings`);
      else out.set(prefix, node);
    }
  }
  return out;
}

/**
 * A number of a JSON text: starting where no digit or point precedes it, so the scan is linear
 * in the text (a bare `\d+…[eE]` tried at every digit of a 40,000-digit run backtracked
 * quadratically and froze the page for seconds, minutes at 1 MB).
 */
const JSON_NUMBER = /(?<![\d.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/**
 * The numbers of a JSON text that JSON.parse cannot keep: written non-zero but read as 0
 * (`1e-400`, or `0.` and 400 zeros before a 1) or as a subnormal float64 (`5e-324`). The
 * parsed value cannot tell, so the text is scanned; each is said in a notice.
 */
export function numbersLostInJson(text: string): string[] {
  const out: string[] = [];
  for (const [literal] of text.matchAll(JSON_NUMBER)) {
    const value = Number(literal);
    const lost = value === 0 && /[1-9]/.test(literal.split(/e/i)[0]);
    if (lost || (value !== 0 && Math.abs(value) < FLOAT64_MIN_NORMAL))
      out.push(
        `${literal.slice(0, 30)} is too close to 0 for a float64 (${lost ? 'it reads as 0' : 'below 2.2e-308'}): check the value it was meant to be`,
      );
    if (out.length >= 5) break;
  }
  return out;
}

/** Many notices of one kind become one line with a count and a few examples. */
export function summariseNotices(notices: string[]): string[] {
  const unknown = notices.filter((n) => n.startsWith('unknown setting "'));
  if (unknown.length <= 5) return notices;
  const examples = unknown.slice(0, 3).map((n) => n.slice('unknown setting '.length, n.indexOf(': ignored')));
  return [
    ...notices.filter((n) => !n.startsWith('unknown setting "')),
    `${unknown.length.toLocaleString('en')} unknown settings ignored, e.g. ${examples.join(', ')}`,
  ];
}

function getPath(target: Record<string, unknown>, path: string[]): unknown {
  return path.reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), target);
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path[path.length - 1]] = value;
}

/** The defaults a kind brings (a method, a schedule, an optimizer), before its own fields apply. */
export function scheduleFor(kind: string, stages: number): TrainerConfig['schedule'] | null {
  switch (kind) {
    case 'joint':
    case 'bidirectional':
    case 'fine-to-coarse':
    case 'coarse-to-fine':
      return { kind };
    case 'custom':
      return { kind: 'custom', segments: Array.from({ length: stages }, (_, i) => ({ stage: stages - i, share: 1 })) };
    default:
      return null;
  }
}

export function optimizerFor(kind: string): TrainerConfig['optimizer'] | null {
  if (kind === 'adam') return { kind: 'adam', learningRate: ADAM_LEARNING_RATE };
  if (kind === 'sgd') return { kind: 'sgd', learningRate: 0.01, momentum: 0.9 };
  return null;
}

/** `3:1,2:1,1:2` ⇄ custom schedule segments (stage:share). */
export function formatSegments(segments: { stage: number; share: number }[]): string {
  return segments.map((s) => `${s.stage}:${s.share}`).join(',');
}

function parseSegments(value: unknown): { stage: number; share: number }[] | null {
  if (Array.isArray(value)) {
    const ok = value.every((s) => s && typeof s === 'object' && typeof s.stage === 'number' && typeof s.share === 'number');
    return ok ? value.map((s: { stage: number; share: number }) => ({ stage: s.stage, share: s.share })) : null;
  }
  if (typeof value !== 'string' || !/^\d+:[\d.]+(,\d+:[\d.]+)*$/.test(value)) return null;
  return value.split(',').map((part) => {
    const [stage, share] = part.split(':').map(Number);
    return { stage, share };
  });
}

/**
 * Builds a valid page config from untrusted `raw` (a nested object: a parsed JSON file, or
 * the hash's dotted keys). Strings are accepted for numbers and booleans only when
 * `fromText` (the hash); a JSON file must use the right types.
 */
export function sanitizeConfig(
  raw: unknown,
  fromText: boolean,
  base: PageConfig | null = null,
  /** The local dataset this page has loaded, if any (a config on `local` is checked against it). */
  local: LocalFacts | null = null,
): PageConfig & { notices: string[] } {
  const notices: string[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const input = isObject(raw) ? raw : {};
  if (!isObject(raw)) notices.push(`the configuration is ${Array.isArray(raw) ? 'a list' : 'not an object'}: using the defaults`);
  if ('config' in input && !isObject(input.config)) notices.push('config is not an object: using the defaults');
  // A file the page exports holds {config, compare}; one without the wrapper is read as the config itself, and says so.
  if (!fromText && isObject(raw) && !('config' in input) && Object.keys(input).some((k) => k !== 'compare')) {
    notices.push('no "config" object (the page exports {"config": …, "compare": …}): its top-level settings were read as the configuration');
  }
  const source = (isObject(input.config) ? input.config : 'config' in input ? {} : input) as Record<string, unknown>;
  if (isObject(input.config)) {
    const beside = Object.keys(input).filter((k) => k !== 'config' && k !== 'compare');
    if (beside.length)
      notices.push(
        `${beside.length} setting${beside.length > 1 ? 's' : ''} beside "config" ignored (${beside
          .slice(0, 3)
          .map((k) => `"${k.slice(0, 30)}"`)
          .join(', ')}${beside.length > 3 ? ', …' : ''}): put them inside it`,
      );
  }
  const dropped: string[] = [];
  const flat = flatten(source, dropped);
  flat.delete('compare');
  if (dropped.length)
    notices.push(
      `${dropped.length.toLocaleString('en')} setting${dropped.length > 1 ? 's' : ''} ignored: ${dropped.slice(0, 2).join('; ')}${dropped.length > 2 ? '; …' : ''}`,
    );
  const take = (key: string) => {
    const value = flat.get(key);
    flat.delete(key);
    return value;
  };
  const describe = (value: unknown) => {
    if (typeof value === 'number') return String(value);
    if (value === null || typeof value !== 'object') return JSON.stringify(value)?.slice(0, 40) ?? String(value);
    // An object or list may nest too deep to stringify (a crafted file): its kind, then.
    try {
      return JSON.stringify(value).slice(0, 40);
    } catch {
      return `(${Array.isArray(value) ? 'a list' : 'an object'} nested too deep to show)`;
    }
  };
  /** A kind (schedule, optimizer) must be a string: `["sgd"]` is not "sgd". */
  const kindOf = (value: unknown) => (typeof value === 'string' ? value : '');

  const datasetValue = take('dataset');
  // Settings apply on top of `base` (a lesson chapter's configuration) where there is one, else on the defaults.
  let dataset: AnyDatasetId = base?.config.dataset ?? 'synthetic100';
  const keeping = base ? `keeping ${base.config.dataset}` : 'using the default';
  if (datasetValue === 'local' && !local)
    notices.push(
      `dataset = local: this link trains on a dataset of one's own, which is not in this browser (links never carry the data); load it with "Your data" in Setup. ${keeping[0].toUpperCase()}${keeping.slice(1)}.`,
    );
  else if (DATASETS.includes(datasetValue as AnyDatasetId)) dataset = datasetValue as AnyDatasetId;
  else if (datasetValue !== undefined) notices.push(`dataset = ${describe(datasetValue)} is not one of ${DATASETS.join(', ')}: ignored`);
  const onBase = base !== null && base.config.dataset === dataset;
  const config = (onBase ? structuredClone(base.config) : defaultTrainerConfig(dataset, local)) as unknown as Record<string, unknown>;

  const methodValue = take('method.method');
  if (METHODS.includes(methodValue as Method)) {
    if (!(onBase && base.config.method.method === methodValue))
      config.method = { ...methodDefaults(methodValue as Method, dataset, classCount(dataset, local)) };
  } else if (methodValue !== undefined) notices.push(`method.method = ${describe(methodValue)} is not one of ${METHODS.join(', ')}: ignored`);
  const stages = (config.method as MethodConfig).method === 'pcd' ? Number(flat.get('method.stages') ?? 3) || 3 : 3;

  const scheduleValue = take('schedule.kind');
  if (scheduleValue !== undefined) {
    const schedule = scheduleFor(kindOf(scheduleValue), Math.max(1, Math.min(stages, 100)));
    if (schedule) config.schedule = schedule;
    else notices.push(`schedule.kind = ${describe(scheduleValue)} is not a schedule: ignored`);
  }
  const segmentsValue = take('schedule.segments');
  if (segmentsValue !== undefined) {
    const segments = parseSegments(segmentsValue);
    if (segments && (config.schedule as { kind: string }).kind === 'custom') config.schedule = { kind: 'custom', segments };
    else notices.push(`schedule.segments = ${describe(segmentsValue)} is malformed or not for a custom schedule: ignored`);
  }
  for (const key of [...flat.keys()]) if (key.startsWith('schedule.segments.')) flat.delete(key);

  const optimizerValue = take('optimizer.kind');
  if (optimizerValue !== undefined) {
    const optimizer = optimizerFor(kindOf(optimizerValue));
    if (optimizer) config.optimizer = optimizer;
    else notices.push(`optimizer.kind = ${describe(optimizerValue)} is not one of adam, sgd: ignored`);
  }

  for (const [key, value] of flat) {
    const path = key.split('.');
    const current = getPath(config, path);
    if (current === undefined || (typeof current === 'object' && current !== null)) {
      notices.push(`unknown setting "${key.slice(0, 60)}": ignored`);
      continue;
    }
    let next: Leaf | null = null;
    if (typeof current === 'number') {
      const number = typeof value === 'number' ? value : fromText && typeof value === 'string' && DECIMAL.test(value) ? Number(value) : NaN;
      // Past float64's normal range a number is not what was written: 1e-400 reads as 0, 5e-324 keeps one bit.
      const lost = fromText && typeof value === 'string' && number === 0 && /[1-9]/.test(value.split(/e/i)[0]);
      if (lost || (number !== 0 && Math.abs(number) < FLOAT64_MIN_NORMAL)) {
        notices.push(
          `${key} = ${describe(value)} is too close to 0 for a float64 (${lost ? 'it reads as 0' : 'below 2.2e-308, it keeps almost no precision'}): ignored`,
        );
        continue;
      }
      if (Number.isFinite(number)) next = number;
    } else if (typeof current === 'boolean') {
      if (typeof value === 'boolean') next = value;
      else if (fromText && (value === 'true' || value === 'false')) next = value === 'true';
    } else if (typeof current === 'string' && typeof value === 'string') {
      next = value;
    }
    if (next === null) notices.push(`${key} = ${describe(value)} is malformed (expected a ${typeof current}): ignored`);
    else setPath(config, path, next);
  }

  // Whatever the schema still refuses goes back to its default, field by field.
  // A refused value goes back to the base's (a chapter's) where that is of the same kind, else to the default.
  const kinds = config as unknown as TrainerConfig;
  const from = onBase ? base.config : null;
  const defaults = {
    ...(from ?? defaultTrainerConfig(dataset, local)),
    method:
      from?.method.method === kinds.method.method
        ? { ...from.method }
        : { ...methodDefaults(kinds.method.method, dataset, classCount(dataset, local)) },
    schedule: from?.schedule.kind === kinds.schedule.kind ? structuredClone(from.schedule) : scheduleFor(kinds.schedule.kind, 3),
    optimizer: from?.optimizer.kind === kinds.optimizer.kind ? { ...from.optimizer } : optimizerFor(kinds.optimizer.kind),
  } as unknown as Record<string, unknown>;
  let parsed: TrainerConfig | null = null;
  for (let attempt = 0; attempt < 5 && !parsed; attempt++) {
    try {
      parsed = parseTrainerConfig(config, local);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const { field, message } of error.fields) {
        const path = field.split('.');
        const fallback = getPath(defaults, path);
        notices.push(`${field}: ${message}; using the default`);
        if (fallback !== undefined && path.length) setPath(config, path, structuredClone(fallback));
        else if (path[0] === 'schedule') config.schedule = { kind: 'joint' };
      }
    }
  }
  if (!parsed) {
    notices.push('the configuration could not be repaired: using the defaults');
    parsed = defaultTrainerConfig(dataset, local);
  }

  const compareValue = input.compare ?? source.compare;
  let compare: Method[] = onBase ? [...base.compare] : [];
  if (compareValue !== undefined) {
    const list = Array.isArray(compareValue) ? compareValue : typeof compareValue === 'string' ? compareValue.split(',').filter(Boolean) : null;
    if (list) compare = [];
    if (!list) notices.push(`compare = ${describe(compareValue)} is malformed: ignored`);
    else if (list.length > METHODS.length)
      notices.push(`compare has ${list.length.toLocaleString('en')} entries, more than the ${METHODS.length} methods: ignored`);
    else if (list.length <= METHODS.length) {
      for (const item of list) {
        if (METHODS.includes(item as Method)) compare.push(item as Method);
        // Never String() of a list: a list nested thousands deep overflows the stack as it joins.
        else
          notices.push(
            `compare: ${typeof item === 'string' ? `"${item.slice(0, 20)}"` : `a ${Array.isArray(item) ? 'list' : typeof item}`} is not one of ${METHODS.join(', ')}: ignored`,
          );
      }
    }
  }
  compare = METHODS.filter((m) => compare.includes(m) && m !== parsed!.method.method);
  return { config: parsed, compare, notices: summariseNotices(notices) };
}

/** The runs of a page config: the configured method plus each compared one, in CE, KD, DKD, PCD order. */
export function runsOf({ config, compare }: PageConfig, local: LocalFacts | null = null): { id: string; method: MethodConfig }[] {
  const runs = METHODS.filter((m) => m === config.method.method || compare.includes(m)).map((m) => ({
    id: m,
    method: m === config.method.method ? config.method : { ...methodDefaults(m, config.dataset, classCount(config.dataset, local)) },
  }));
  return parseRuns(runs, config, local);
}

/** A value with its object keys sorted, at every depth: two configurations equal whatever their keys' order compare equal. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  return value;
}

/** Whether two page configurations are the same, field by field (not by the order their keys were written in). */
export function samePage(a: PageConfig, b: PageConfig): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}
