import { z } from '../data/zod';
import type { AnyDatasetId, DatasetId } from '../data/dataset';
import { methodDefaults, type MethodConfig } from '../distill/methods';
import { defaultStudentOf, studentsOf, type LocalFacts } from '../models/catalog';

/**
 * The one schema every trainer configuration passes through (the worker API, the URL
 * state and config import all use it), with errors that name the field.
 */
export const CLASSES: Record<DatasetId, number> = { mnist: 10, synthetic100: 100 };
export const TRAIN_SIZE: Record<DatasetId, number> = { mnist: 8000, synthetic100: 16_000 };

/** Classes and training samples of any dataset; for the local one, of `local` (0 without it). */
/** The digit scenes: a cell's K + 1 classes (ten digits and background), 4,000 training scenes. */
export const SCENES = { classes: 11, train: 4000 } as const;

export function classCount(dataset: AnyDatasetId, local: LocalFacts | null): number {
  return dataset === 'local' ? (local?.classNames.length ?? 0) : dataset === 'scenes' ? SCENES.classes : CLASSES[dataset];
}

export function trainSize(dataset: AnyDatasetId, local: LocalFacts | null): number {
  return dataset === 'local' ? (local?.trainCount ?? 0) : dataset === 'scenes' ? SCENES.train : TRAIN_SIZE[dataset];
}

const positive = z.number().finite().positive();
// Sane ranges, refused at the field with the range in the message ("expected at most 100"):
// past them a run only turns NaN on its first step or never ends.
/** The ranges of the numbers a run can also change live (live-change.ts checks a change with this same schema). */
export const RANGES = { weight: [0, 1000], temperature: [0.1, 100], learningRate: [0, 10] } as const;
/** A loss weight (CE, KD, α, β): 0 … 1000. */
const weight = z.number().finite().min(RANGES.weight[0]).max(RANGES.weight[1]);
/** τ: 0.1 … 100 (τ² scales the distillation terms). */
const temperature = z.number().finite().min(RANGES.temperature[0]).max(RANGES.temperature[1]);
const standardizeLogits = z.boolean();
/** The largest S the trainer accepts (the paper uses 2–5; every stage costs a pass of grouped softmaxes). */
export const MAX_STAGES = 10;
/** The longest budget: 1,000,000 steps, or 100,000 epochs. */
export const MAX_STEPS = 1_000_000;
/** The most seeds a race trains at once (each a full copy of every run). */
export const MAX_SEEDS = 10;

export const methodSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('ce') }).strict(),
  z.object({ method: z.literal('kd'), ceWeight: weight, kdWeight: weight, temperature, standardizeLogits }).strict(),
  z.object({ method: z.literal('dkd'), ceWeight: weight, alpha: weight, beta: weight, temperature, standardizeLogits }).strict(),
  z
    .object({
      method: z.literal('pcd'),
      ceWeight: weight,
      stages: z.number().int().min(1).max(MAX_STAGES),
      temperature,
      alpha: weight,
      adaptive: z.boolean(),
      ranking: z.boolean(),
      fineToCoarse: z.boolean(),
      coarseToFine: z.boolean(),
      standardizeLogits,
    })
    .strict(),
]);

const schedule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('joint') }).strict(),
  z.object({ kind: z.literal('bidirectional') }).strict(),
  z.object({ kind: z.literal('fine-to-coarse') }).strict(),
  z.object({ kind: z.literal('coarse-to-fine') }).strict(),
  z
    .object({
      kind: z.literal('custom'),
      segments: z
        .array(z.object({ stage: z.number().int().min(1).max(MAX_STAGES), share: positive.max(1e6) }).strict())
        .min(1)
        .max(100, { error: 'at most 100 phases' }),
    })
    .strict(),
]);

export const trainerConfigSchema = z
  .object({
    /** `local`: the person's own dataset, loaded in this browser (src/import/); the link carries only its name. */
    /** `scenes`: the digit scenes, a detection race (src/detect/); the trainer's other fields mean the same there. */
    dataset: z.enum(['mnist', 'synthetic100', 'local', 'scenes']),
    /** How many training samples to use (distillation shines with few). */
    trainSubset: z.number().int().min(1),
    student: z.string(),
    method: methodSchema,
    schedule,
    optimizer: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('sgd'), learningRate: positive.max(RANGES.learningRate[1]), momentum: z.number().min(0).lt(1) }).strict(),
      z.object({ kind: z.literal('adam'), learningRate: positive.max(RANGES.learningRate[1]) }).strict(),
    ]),
    learningRateSchedule: z.enum(['constant', 'cosine']),
    batchSize: z.number().int().min(1).max(4096),
    budget: z.object({ unit: z.enum(['epochs', 'steps']), amount: z.number().int().min(1).max(MAX_STEPS) }).strict(),
    /** Share of the budget over which distillation ramps in (spec: warm(t) = min(t / W, 1)). */
    warmupShare: z.number().min(0).max(1),
    augmentation: z.boolean(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1),
    /**
     * How many seeds every run trains on: seed, seed + 1, … (each its own initial weights,
     * training subset and batch order, shared by every method of that seed). Absent in
     * configurations written before seeds existed: one.
     */
    seeds: z.number().int().min(1).max(MAX_SEEDS).default(1),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.seed + config.seeds - 1 > 2 ** 31 - 1) {
      context.addIssue({ code: 'custom', path: ['seeds'], message: `seed + seeds − 1 must stay at most ${2 ** 31 - 1}` });
    }
    if (config.method.method === 'pcd' && !config.method.fineToCoarse && !config.method.coarseToFine) {
      context.addIssue({
        code: 'custom',
        path: ['method', 'coarseToFine'],
        message: 'PCD needs at least one pass: turn on fine → coarse or coarse → fine',
      });
    }
    if (config.schedule.kind !== 'joint' && config.method.method !== 'pcd') {
      context.addIssue({ code: 'custom', path: ['schedule', 'kind'], message: 'stage schedules apply to PCD only; use "joint"' });
    }
    if (config.schedule.kind === 'custom' && config.method.method === 'pcd') {
      const stages = config.method.stages;
      config.schedule.segments.forEach((segment, i) => {
        if (segment.stage > stages) {
          context.addIssue({ code: 'custom', path: ['schedule', 'segments', i, 'stage'], message: `at most ${stages}, the number of stages` });
        }
      });
    }
  });

export type TrainerConfig = z.infer<typeof trainerConfigSchema>;

/**
 * The checks that depend on the data (its classes, its size, its students, how its teacher
 * is given): for the local dataset they read `local`, the facts of the dataset the caller
 * has loaded, never a module's state.
 */
function dataIssues(config: z.infer<typeof trainerConfigSchema>, local: LocalFacts | null): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  if (config.dataset !== 'local') local = null;
  if (config.dataset === 'local' && !local) {
    issues.push({ path: ['dataset'], message: 'no local dataset is loaded in this browser: load one with "Your data"' });
    return issues;
  }
  const classes = classCount(config.dataset, local);
  const allowed = studentsOf(config.dataset, local).map((m) => m.id);
  if (!allowed.includes(config.student)) {
    issues.push({ path: ['student'], message: `expected one of ${allowed.join(', ')} for ${config.dataset}` });
  }
  if (config.dataset === 'scenes' && config.augmentation) {
    issues.push({ path: ['augmentation'], message: 'the digit scenes train without augmentation (a shift would move the boxes): turn it off' });
  }
  if (config.dataset === 'scenes' && config.schedule.kind !== 'joint') {
    issues.push({ path: ['schedule', 'kind'], message: 'the digit scenes train PCD jointly (every stage at every step): use "joint"' });
  }
  if (local?.teacher.kind === 'logits' && config.augmentation) {
    issues.push({
      path: ['augmentation'],
      message: 'a teacher given as logits knows the samples only as they are: turn augmentation off',
    });
  }
  if (config.budget.unit === 'epochs' && plannedSteps(config, local).total > MAX_STEPS) {
    issues.push({
      path: ['budget', 'amount'],
      message: `at most ${MAX_STEPS.toLocaleString('en')} steps in all (${plannedSteps(config, local).perEpoch} per epoch here)`,
    });
  }
  if (config.trainSubset > trainSize(config.dataset, local)) {
    issues.push({
      path: ['trainSubset'],
      message: `at most ${trainSize(config.dataset, local)}, the size of ${local ? `${local.name}` : config.dataset}'s training split`,
    });
  }
  if (config.method.method === 'pcd' && config.method.stages > classes) {
    issues.push({ path: ['method', 'stages'], message: `at most ${classes}, the number of classes` });
  }
  return issues;
}

/** A configuration that was refused; `fields` lists every offending field and why. */
export class ConfigError extends Error {
  constructor(readonly fields: { field: string; message: string }[]) {
    super(`invalid configuration: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates an untrusted configuration (from the UI, a URL or a file); `local`: the loaded local dataset's facts, if any. */
export function parseTrainerConfig(input: unknown, local: LocalFacts | null): TrainerConfig {
  const parsed = trainerConfigSchema.safeParse(input);
  if (!parsed.success)
    throw new ConfigError(parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || '(config)', message: issue.message })));
  const issues = dataIssues(parsed.data, local);
  if (issues.length) throw new ConfigError(issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })));
  return parsed.data;
}

/**
 * Validates the runs of a session against its configuration: each run's method through
 * the same schema (fields named `runs.<id>.<field>`), PCD's stages against the classes.
 */
export function parseRuns(runs: unknown, config: TrainerConfig, local: LocalFacts | null): { id: string; method: MethodConfig }[] {
  const list = z
    .array(z.object({ id: z.string().min(1), method: z.unknown() }).strict())
    .min(1)
    .safeParse(runs);
  if (!list.success) throw new ConfigError([{ field: 'runs', message: list.error.issues[0].message }]);
  const fields: { field: string; message: string }[] = [];
  const parsed = list.data.map(({ id, method }) => {
    const result = methodSchema.safeParse(method);
    if (!result.success) {
      for (const issue of result.error.issues) fields.push({ field: ['runs', id, ...issue.path].join('.'), message: issue.message });
      return null;
    }
    if (result.data.method === 'pcd' && !result.data.fineToCoarse && !result.data.coarseToFine) {
      fields.push({ field: `runs.${id}.coarseToFine`, message: 'PCD needs at least one pass: turn on fine → coarse or coarse → fine' });
    }
    if (result.data.method === 'pcd' && result.data.stages > classCount(config.dataset, local)) {
      fields.push({ field: `runs.${id}.stages`, message: `at most ${classCount(config.dataset, local)}, the number of classes` });
    }
    return { id, method: result.data as MethodConfig };
  });
  if (new Set(list.data.map((r) => r.id)).size !== list.data.length) fields.push({ field: 'runs', message: 'every run needs its own id' });
  if (fields.length) throw new ConfigError(fields);
  return parsed as { id: string; method: MethodConfig }[];
}

/** Adam's default learning rate (see defaultTrainerConfig). */
export const ADAM_LEARNING_RATE = 0.01;

/** Steps per epoch and in the whole budget, as the trainer counts them (no TF.js needed). */
export function plannedSteps(
  config: Pick<TrainerConfig, 'dataset' | 'trainSubset' | 'batchSize' | 'budget'>,
  local: LocalFacts | null,
): { perEpoch: number; total: number } {
  const samples = Math.min(config.trainSubset, trainSize(config.dataset, local));
  const perEpoch = Math.ceil(samples / config.batchSize);
  return { perEpoch, total: config.budget.unit === 'epochs' ? config.budget.amount * perEpoch : config.budget.amount };
}

/** The seeds a configuration trains on: `seed`, `seed + 1`, …, `seed + seeds − 1`. */
export function seedsOf(config: Pick<TrainerConfig, 'seed' | 'seeds'>): number[] {
  return Array.from({ length: config.seeds }, (_, k) => config.seed + k);
}

/** A rough duration for people: "40 s", "3 min 20 s", "1 h 05 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${String(s % 60).padStart(2, '0')} s` : ''}`;
  return `${Math.floor(s / 3600)} h ${String(Math.round((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** A dataset's default configuration (`local`: the facts of the local dataset, for its size). */
export function defaultTrainerConfig(dataset: AnyDatasetId = 'mnist', local: LocalFacts | null = null): TrainerConfig {
  if (dataset === 'scenes') {
    // The detection race (src/detect/): batches of 32 scenes (about 2,000 cells each, 640
    // sampled), 3 seeds for a verdict on AP, the budget of the scenes preset (docs/results.md).
    return {
      ...defaultTrainerConfig('mnist'),
      dataset,
      trainSubset: SCENES.train,
      student: defaultStudentOf(dataset),
      batchSize: 32,
      budget: { unit: 'steps', amount: 600 },
      warmupShare: 0.05,
    };
  }
  return {
    dataset,
    trainSubset: Math.max(1, trainSize(dataset, local)),
    student: defaultStudentOf(dataset),
    method: { ...methodDefaults('pcd', dataset, classCount(dataset, local)) },
    schedule: { kind: 'joint' },
    // Adam: the distillation terms are 5–20× the CE loss at τ = 4 (τ² scaling, β = 8, two
    // passes over S stages), and plain SGD at the paper's 0.05 diverges on these small
    // students without normalisation layers; Adam's steps do not scale with the loss.
    // 0.01 rather than 0.002: at a budget a page can train (hundreds of steps), 0.002 leaves
    // every student under-trained and CE ahead; 0.005–0.02 let distillation show
    // (docs/results.md, learning-rate study).
    optimizer: { kind: 'adam', learningRate: ADAM_LEARNING_RATE },
    learningRateSchedule: 'cosine',
    batchSize: 64,
    budget: { unit: 'epochs', amount: 10 },
    warmupShare: 20 / 240,
    augmentation: false,
    seed: 1,
    seeds: 1,
  };
}
