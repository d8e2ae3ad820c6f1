// The experiment runner's command line: a preset, a config file as the page exports it, or
// a dataset's defaults, then flags that change any field the page can set (and a few it
// cannot, such as τ of the compared runs). Pure: parsed and validated here, run elsewhere,
// so the unit tests can check every flag without training anything.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { runsOf, sanitizeConfig, scheduleFor, type PageConfig } from '../../src/config/page-config';
import { PRESETS } from '../../src/config/presets';
import type { DatasetId } from '../../src/data/dataset';
import { METHOD_DEFAULTS, METHODS, type Method, type MethodConfig } from '../../src/distill/methods';
import { ConfigError, defaultTrainerConfig, parseRuns, parseTrainerConfig, plannedSteps, seedsOf, type TrainerConfig } from '../../src/train/config';
import { checkLiveChange, type LiveChange } from '../../src/train/live-change';
import type { LocalFacts } from '../../src/models/catalog';
import type { RunSpec } from '../../src/train/reports';
import { bundleDataset, parseManifest, REPRODUCTION_FORMAT, type ReproductionManifest } from '../../src/reproduce/bundle';
import { readLocalExperiment, type LocalExperimentData } from './experiment-local';
import { accuracyOf } from '../../src/import/local-teacher';
import { localFacts } from '../../src/import/local-dataset';

export interface ExperimentPlan {
  config: TrainerConfig;
  /** One's own data (`--dataset local`), read and split as the page does; null for a built-in dataset. */
  local: LocalExperimentData | null;
  runs: RunSpec[];
  seeds: number[];
  /** Evaluate every this many epochs (and always at the end). */
  evalEvery: number;
  /** Where the JSON (and a markdown table beside it) goes; null = bench-results/. */
  out: string | null;
  /** A name for the printed table and the default output file. */
  label: string;
  /** Backends to try for students trained in Chromium. */
  backends: string[] | null;
  /** `--export-pytorch DIR`: where the reproduction bundle goes (reproduce.py and its files); null: none. */
  exportPytorch: string | null;
  /** A reproduction bundle's live changes (the page's lr, τ, α changed while it trained), replayed at their steps. */
  liveChanges: { fromStep: number; change: LiveChange }[];
}

/** A flag that is wrong, named with what was expected. */
export class ArgumentError extends Error {
  constructor(flag: string, value: string | undefined, expected: string) {
    super(`${flag} ${value === undefined ? '(missing value)' : JSON.stringify(value)} is invalid: expected ${expected}`);
    this.name = 'ArgumentError';
  }
}

const FLAGS = {
  '--preset': 'a preset id',
  '--config': "a config JSON file as the page exports it, or a reproduction bundle's run.json",
  '--dataset': 'mnist, synthetic100 or local (with --data and --teacher-logits)',
  '--data': 'your dataset: a CSV of features, one row per sample, with a label column',
  '--teacher-logits': "your teacher's logits for every row of --data (.npy, .csv or .json), columns in the classes' sorted order",
  '--label-column': "the label column of --data (default: 'label', else the last)",
  '--superclass-column': 'a superclass column of --data',
  '--test-share': 'share of each class held out for testing, 0.05 … 0.5 (default 0.2, as the page)',
  '--split-seed': 'the seed of the train/test split (default 1, as the page)',
  '--methods': 'the raced methods, e.g. ce,kd,dkd,pcd',
  '--seeds': "seeds, e.g. 1,2,3 (default: a --config file's own when it has several, else 1,2,3)",
  '--student': 'a student id of the zoo',
  '--subset': 'training samples',
  '--epochs': 'budget in epochs',
  '--steps': 'budget in steps',
  '--batch': 'batch size',
  '--optimizer': 'adam or sgd',
  '--lr': 'base learning rate',
  '--momentum': 'SGD momentum',
  '--lr-schedule': 'cosine or constant',
  '--warmup': 'warm-up share of the budget, 0 … 1',
  '--augment': 'on or off',
  '--stages': 'PCD stages S',
  '--tau': 'temperature τ of every distilling run',
  '--alpha': 'PCD α',
  '--ranking': 'PCD logit-gap ranking on or off',
  '--lambda': 'PCD adaptive λ on or off',
  '--passes': 'PCD passes: both, fine-to-coarse or coarse-to-fine',
  '--schedule': 'PCD stage schedule: joint, bidirectional, fine-to-coarse, coarse-to-fine',
  '--standardize': 'logit standardization of every distilling run, on or off',
  '--eval-every': 'evaluate every N epochs',
  '--out': 'output file (JSON; a .md table is written beside it)',
  '--backend': 'the backends to try in order: wasm,cpu train in Node (the default), webgl or webgpu train a CNN student in Chromium',
  '--export-pytorch': 'a folder to write the run to, with reproduce.py (PyTorch) and its data',
} as const;
export type Flag = keyof typeof FLAGS;
export const FLAG_HELP = Object.entries(FLAGS)
  .map(([flag, what]) => `  ${flag.padEnd(14)} ${what}`)
  .join('\n');

/** `--flag value` pairs; an unknown flag or a flag without a value is an error. */
export function readFlags(argv: string[]): Map<Flag, string> {
  const flags = new Map<Flag, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    if (!(flag in FLAGS)) throw new ArgumentError(flag, argv[i + 1], `one of the flags:\n${FLAG_HELP}`);
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new ArgumentError(flag, undefined, FLAGS[flag as Flag]);
    if (flags.has(flag as Flag)) throw new ArgumentError(flag, value, 'the flag once');
    flags.set(flag as Flag, value);
  }
  return flags;
}

const number = (flag: Flag, value: string, { integer = false, min = -Infinity } = {}) => {
  const n = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min)
    throw new ArgumentError(flag, value, `${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` ≥ ${min}` : ''} (${FLAGS[flag]})`);
  return n;
};
const onOff = (flag: Flag, value: string) => {
  if (value !== 'on' && value !== 'off') throw new ArgumentError(flag, value, 'on or off');
  return value === 'on';
};
const list = (flag: Flag, value: string) => {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => !s)) throw new ArgumentError(flag, value, `a comma-separated list (${FLAGS[flag]})`);
  return items;
};

/** The `--config` file when it is a reproduction bundle's run.json (see src/reproduce/); null for a page config file. */
function bundleOf(file: string | undefined, readFile: (path: string) => string): ReproductionManifest | null {
  if (!file) return null;
  let text: string;
  try {
    text = readFile(file);
  } catch {
    return null; // basePage says it cannot be read
  }
  if (!text.includes(REPRODUCTION_FORMAT)) return null;
  try {
    return parseManifest(file, text);
  } catch (error) {
    throw new ArgumentError('--config', file, `a reproduction bundle's run.json, but: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The page config the experiment starts from: a preset, a config file, or a dataset's defaults. */
function basePage(
  flags: Map<Flag, string>,
  readFile: (path: string) => string,
  local: LocalExperimentData | null,
  bundle: ReproductionManifest | null,
): { page: PageConfig; label: string } {
  const preset = flags.get('--preset');
  const file = flags.get('--config');
  if (preset && file) throw new ArgumentError('--config', file, 'either --preset or --config, not both');
  if (preset) {
    const found = PRESETS.find((p) => p.id === preset);
    if (!found) throw new ArgumentError('--preset', preset, `one of ${PRESETS.map((p) => p.id).join(', ')}`);
    return { page: structuredClone(found.page), label: `preset-${preset}` };
  }
  if (file) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFile(file));
    } catch (error) {
      throw new ArgumentError('--config', file, `a readable JSON file (${error instanceof Error ? error.message : String(error)})`);
    }
    // A reproduction bundle's run.json holds the page's {config, compare} among its other facts.
    if (bundle) raw = { config: bundle.config, compare: bundle.compare };
    const { notices, ...page } = sanitizeConfig(raw, false, null, local?.facts ?? null);
    // A page import may repair a file with notices; an experiment must run what was asked.
    if (notices.length) throw new ArgumentError('--config', file, `a valid configuration, but: ${notices.join('; ')}`);
    return { page, label: file.replace(/^.*\//, '').replace(/\.json$/, '') };
  }
  const dataset = flags.get('--dataset') ?? (flags.has('--data') ? 'local' : 'synthetic100');
  if (dataset === 'local') {
    if (!local) throw new ArgumentError('--data', undefined, FLAGS['--data']);
    const name = local.facts.name.replace(/\.csv$/i, '');
    return { page: { config: defaultTrainerConfig('local', local.facts), compare: ['ce', 'kd', 'dkd'] }, label: `local-${name}` };
  }
  if (dataset !== 'mnist' && dataset !== 'synthetic100') throw new ArgumentError('--dataset', dataset, FLAGS['--dataset']);
  return { page: { config: defaultTrainerConfig(dataset as DatasetId), compare: ['ce', 'kd', 'dkd'] }, label: dataset };
}

/** The files of `--dataset local`, read as the page reads them; null without `--data`. */
function localData(
  flags: Map<Flag, string>,
  readBytes: (path: string) => Uint8Array,
  isFolder: (path: string) => boolean,
  bundle: ReproductionManifest | null,
): LocalExperimentData | null {
  const localFlags: Flag[] = ['--teacher-logits', '--label-column', '--superclass-column', '--test-share', '--split-seed'];
  const data = flags.get('--data');
  if (bundle?.config.dataset === 'local' && !data) {
    // The bundle carries the page's own training and test samples and the teacher's logits.
    const stray = localFlags.find((f) => flags.has(f));
    if (stray) throw new ArgumentError(stray, flags.get(stray), 'no split setting: the bundle holds the split itself');
    const folder = flags.get('--config')!.replace(/[^/]*$/, '') || './';
    try {
      const dataset = bundleDataset(bundle, (file) => readBytes(`${folder}${file}`));
      const facts = localFacts(
        dataset,
        { kind: 'logits', file: bundle.dataset.test.teacherLogits },
        accuracyOf(dataset.test.teacherLogits!, dataset.test.labels, dataset.classNames.length),
      );
      return { dataset, facts, caution: null };
    } catch (error) {
      throw new ArgumentError(
        '--config',
        flags.get('--config'),
        `a bundle with its data files, but: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  if (!data) {
    const stray = localFlags.find((f) => flags.has(f));
    if (stray) throw new ArgumentError(stray, flags.get(stray), `a local dataset (add --data FILE.csv)`);
    if (flags.get('--dataset') === 'local') throw new ArgumentError('--data', undefined, FLAGS['--data']);
    return null;
  }
  if (flags.has('--dataset') && flags.get('--dataset') !== 'local')
    throw new ArgumentError('--dataset', flags.get('--dataset'), 'local, with --data');
  if (flags.has('--preset'))
    throw new ArgumentError(
      '--preset',
      flags.get('--preset'),
      'a built-in dataset (the presets are); with --data start from the defaults or --config',
    );
  const teacherLogits = flags.get('--teacher-logits');
  if (!teacherLogits) throw new ArgumentError('--teacher-logits', undefined, FLAGS['--teacher-logits']);
  const testShare = flags.has('--test-share') ? number('--test-share', flags.get('--test-share')!) : 0.2;
  const splitSeed = flags.has('--split-seed') ? number('--split-seed', flags.get('--split-seed')!, { integer: true, min: 0 }) : 1;
  try {
    return readLocalExperiment(
      { data, teacherLogits, labelColumn: flags.get('--label-column'), superclassColumn: flags.get('--superclass-column'), testShare, splitSeed },
      readBytes,
      isFolder,
    );
  } catch (error) {
    throw new ArgumentError('--data', data, `a dataset the page would load, but: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Builds a validated experiment from the command line. `readFile` is injected for the tests.
 * The runs are the page's (`runsOf`): the configured method plus the compared ones with
 * their defaults; `--methods` replaces that list (PCD, when listed, is the configured one).
 */
export function planExperiment(
  argv: string[],
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
  readBytes: (path: string) => Uint8Array = (p) => new Uint8Array(readFileSync(p)),
  isFolder: (path: string) => boolean = (p) => existsSync(p) && statSync(p).isDirectory(),
): ExperimentPlan {
  const flags = readFlags(argv);
  const bundle = bundleOf(flags.get('--config'), readFile);
  const local = localData(flags, readBytes, isFolder, bundle);
  const facts = local?.facts ?? null;
  const { page, label } = basePage(flags, readFile, local, bundle);
  if (page.config.dataset === 'local' && !local)
    throw new ArgumentError('--data', undefined, `${FLAGS['--data']} (the configuration trains on a local dataset)`);
  const config = structuredClone(page.config) as TrainerConfig;
  if (flags.has('--dataset') && (flags.has('--preset') || flags.has('--config')) && flags.get('--dataset') !== config.dataset) {
    throw new ArgumentError('--dataset', flags.get('--dataset'), `${config.dataset}, the dataset of the preset or file (change it there)`);
  }
  let compare = page.compare;
  const methodsValue = flags.get('--methods');
  if (methodsValue) {
    const methods = list('--methods', methodsValue);
    for (const m of methods)
      if (!METHODS.includes(m as Method)) throw new ArgumentError('--methods', methodsValue, `methods among ${METHODS.join(', ')}`);
    if (new Set(methods).size !== methods.length) throw new ArgumentError('--methods', methodsValue, 'each method once');
    const main = (methods.includes('pcd') ? 'pcd' : methods.at(-1)) as Method;
    if (config.method.method !== main) {
      config.method = { ...METHOD_DEFAULTS[main] } as MethodConfig;
      if (main !== 'pcd') config.schedule = { kind: 'joint' };
    }
    compare = methods.filter((m) => m !== main) as Method[];
  }

  const set = <K extends keyof TrainerConfig>(key: K, value: TrainerConfig[K]) => {
    config[key] = value;
  };
  const value = (flag: Flag) => flags.get(flag);
  if (value('--student')) set('student', value('--student')!);
  if (value('--subset')) set('trainSubset', number('--subset', value('--subset')!, { integer: true, min: 1 }));
  if (value('--epochs') && value('--steps')) throw new ArgumentError('--steps', value('--steps'), 'either --epochs or --steps, not both');
  if (value('--epochs')) set('budget', { unit: 'epochs', amount: number('--epochs', value('--epochs')!, { integer: true, min: 1 }) });
  if (value('--steps')) set('budget', { unit: 'steps', amount: number('--steps', value('--steps')!, { integer: true, min: 1 }) });
  if (value('--batch')) set('batchSize', number('--batch', value('--batch')!, { integer: true, min: 1 }));
  const optimizer = value('--optimizer');
  if (optimizer) {
    if (optimizer === 'adam') set('optimizer', { kind: 'adam', learningRate: config.optimizer.learningRate });
    else if (optimizer === 'sgd') set('optimizer', { kind: 'sgd', learningRate: config.optimizer.learningRate, momentum: 0.9 });
    else throw new ArgumentError('--optimizer', optimizer, 'adam or sgd');
  }
  if (value('--lr')) set('optimizer', { ...config.optimizer, learningRate: number('--lr', value('--lr')!) });
  if (value('--momentum')) {
    if (config.optimizer.kind !== 'sgd') throw new ArgumentError('--momentum', value('--momentum'), 'an SGD run (add --optimizer sgd)');
    set('optimizer', { ...config.optimizer, momentum: number('--momentum', value('--momentum')!) });
  }
  const lrSchedule = value('--lr-schedule');
  if (lrSchedule) {
    if (lrSchedule !== 'cosine' && lrSchedule !== 'constant') throw new ArgumentError('--lr-schedule', lrSchedule, 'cosine or constant');
    set('learningRateSchedule', lrSchedule);
  }
  if (value('--warmup')) set('warmupShare', number('--warmup', value('--warmup')!));
  if (value('--augment')) set('augmentation', onOff('--augment', value('--augment')!));

  // PCD's own options go to the configured method, which must then be PCD.
  const pcdFlags: Flag[] = ['--stages', '--alpha', '--ranking', '--lambda', '--passes', '--schedule'];
  const pcdFlag = pcdFlags.find((f) => flags.has(f));
  if (pcdFlag) {
    if (config.method.method !== 'pcd') throw new ArgumentError(pcdFlag, value(pcdFlag), 'a PCD run (add pcd to --methods)');
    const pcd = { ...config.method };
    if (value('--stages')) pcd.stages = number('--stages', value('--stages')!, { integer: true, min: 1 });
    if (value('--alpha')) pcd.alpha = number('--alpha', value('--alpha')!);
    if (value('--ranking')) pcd.ranking = onOff('--ranking', value('--ranking')!);
    if (value('--lambda')) pcd.adaptive = onOff('--lambda', value('--lambda')!);
    const passes = value('--passes');
    if (passes) {
      if (!['both', 'fine-to-coarse', 'coarse-to-fine'].includes(passes)) throw new ArgumentError('--passes', passes, FLAGS['--passes']);
      pcd.fineToCoarse = passes !== 'coarse-to-fine';
      pcd.coarseToFine = passes !== 'fine-to-coarse';
    }
    config.method = pcd;
    const schedule = value('--schedule');
    if (schedule) {
      const made = schedule === 'custom' ? null : scheduleFor(schedule, pcd.stages);
      if (!made) throw new ArgumentError('--schedule', schedule, FLAGS['--schedule']);
      config.schedule = made;
    }
  }

  let valid: TrainerConfig;
  let runs: RunSpec[];
  try {
    valid = parseTrainerConfig(config, facts);
    // A bundle's runs as they were raced (their own settings), unless --methods names others.
    runs = bundle && !methodsValue ? parseRuns(bundle.runs, valid, facts) : runsOf({ config: valid, compare }, facts);
  } catch (error) {
    if (error instanceof ConfigError)
      throw new ArgumentError(
        '(configuration)',
        undefined,
        `a valid configuration, but ${error.fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`,
      );
    throw error;
  }
  // τ and standardization apply to every distilling run (the page sets them for the configured one).
  const tau = value('--tau') ? number('--tau', value('--tau')!) : undefined;
  const standardize = value('--standardize') ? onOff('--standardize', value('--standardize')!) : undefined;
  if ((tau !== undefined || standardize !== undefined) && runs.every((r) => r.method.method === 'ce')) {
    throw new ArgumentError(
      tau !== undefined ? '--tau' : '--standardize',
      value(tau !== undefined ? '--tau' : '--standardize'),
      'a distilling run (KD, DKD or PCD)',
    );
  }
  runs = runs.map((run) => {
    if (run.method.method === 'ce') return run;
    const method = { ...run.method };
    if (tau !== undefined) method.temperature = tau;
    if (standardize !== undefined) method.standardizeLogits = standardize;
    return { ...run, method };
  });
  try {
    runs = parseRuns(runs, valid, facts);
    if (runs.find((r) => r.id === valid.method.method))
      valid = parseTrainerConfig({ ...valid, method: runs.find((r) => r.id === valid.method.method)!.method }, facts);
  } catch (error) {
    if (error instanceof ConfigError)
      throw new ArgumentError('(runs)', undefined, `valid runs, but ${error.fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`);
    throw error;
  }

  // Without --seeds: a bundle's own seeds (the run it replays), a config file's when it races
  // several (as the page exported it), else 1, 2, 3.
  const own = bundle || (flags.has('--config') && valid.seeds > 1) ? seedsOf(valid).join(',') : null;
  const seeds = list('--seeds', value('--seeds') ?? own ?? '1,2,3').map((s) => number('--seeds', s, { integer: true }));
  const evalEvery = value('--eval-every') ? number('--eval-every', value('--eval-every')!, { integer: true, min: 1 }) : 1;
  const backends = value('--backend') ? list('--backend', value('--backend')!) : null;
  return {
    config: valid,
    local,
    runs,
    seeds,
    evalEvery,
    out: value('--out') ?? null,
    label,
    backends,
    exportPytorch: value('--export-pytorch') ?? null,
    liveChanges: bundle ? checkedLiveChanges(bundle, valid, runs, facts, flags.get('--config')!) : [],
  };
}

/**
 * A bundle's live changes, each checked as the page checks one (the same schema as Apply, in
 * order, from the configuration the run started with): a learning rate below 0, a τ of 0, a
 * string for a number or a step past the budget is refused with its place in the list.
 */
function checkedLiveChanges(
  bundle: ReproductionManifest,
  config: TrainerConfig,
  runs: RunSpec[],
  facts: LocalFacts | null,
  file: string,
): { fromStep: number; change: LiveChange }[] {
  const list: unknown = bundle.liveChanges ?? [];
  if (!Array.isArray(list)) throw new ArgumentError('--config', file, 'a bundle whose "liveChanges" is a list');
  const total = plannedSteps(config, facts).total;
  let state = { config, runs };
  let previous = 0;
  return list.map((entry: unknown, i) => {
    const where = `liveChanges[${i}]`;
    const { fromStep, change } = (entry ?? {}) as { fromStep?: unknown; change?: unknown };
    if (typeof fromStep !== 'number' || !Number.isInteger(fromStep) || fromStep < previous || fromStep > total)
      throw new ArgumentError(
        '--config',
        file,
        `${where}.fromStep: a whole step from ${previous} to ${total} (in order), got ${JSON.stringify(fromStep)}`,
      );
    if (change === null || typeof change !== 'object' || Array.isArray(change))
      throw new ArgumentError('--config', file, `${where}.change: an object of learningRate, temperature, alpha`);
    const bad = Object.entries(change).find(([, v]) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad) throw new ArgumentError('--config', file, `${where}.change.${bad[0]}: a number, got ${JSON.stringify(bad[1])}`);
    try {
      state = checkLiveChange(state.config, state.runs, change as LiveChange, facts);
    } catch (error) {
      if (error instanceof ConfigError)
        throw new ArgumentError(
          '--config',
          file,
          `${where} (from step ${fromStep}): ${error.fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`,
        );
      throw error;
    }
    previous = fromStep;
    return { fromStep, change: change as LiveChange };
  });
}
