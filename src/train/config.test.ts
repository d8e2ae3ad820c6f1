import { describe, expect, it } from 'vitest';
import { classCount, ConfigError, defaultTrainerConfig, parseTrainerConfig, type TrainerConfig } from './config';
import { runsOf } from '../config/page-config';

function refusal(input: unknown): ConfigError['fields'] {
  try {
    parseTrainerConfig(input, null);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).fields;
  }
  throw new Error('expected the configuration to be refused');
}

describe('the trainer configuration schema', () => {
  it('accepts the defaults of both datasets', () => {
    expect(parseTrainerConfig(defaultTrainerConfig('mnist'), null)).toEqual(defaultTrainerConfig('mnist'));
    expect(parseTrainerConfig(defaultTrainerConfig('synthetic100'), null).student).toBe('synthetic-mlp-small');
  });

  it.each([
    ['method.temperature', { method: { ...defaultTrainerConfig().method, temperature: 0 } }],
    ['method.stages', { method: { ...defaultTrainerConfig().method, stages: 11 } }],
    ['method.alpha', { method: { ...defaultTrainerConfig().method, alpha: -1 } }],
    ['batchSize', { batchSize: 0 }],
    ['optimizer.momentum', { optimizer: { kind: 'sgd', learningRate: 0.1, momentum: 1 } }],
    ['optimizer.learningRate', { optimizer: { kind: 'adam', learningRate: Number.NaN } }],
    ['student', { student: 'synthetic-mlp-small' }],
    ['trainSubset', { trainSubset: 9000 }],
    [
      'schedule.segments.1.stage',
      {
        schedule: {
          kind: 'custom',
          segments: [
            { stage: 1, share: 1 },
            { stage: 4, share: 1 },
          ],
        },
      },
    ],
    ['dataset', { dataset: 'cifar' }],
    ['(config)', { surprise: true }],
  ])('names %s', (field, change) => {
    const fields = refusal({ ...defaultTrainerConfig('mnist'), ...change });
    expect(fields.map((f) => f.field)).toContain(field);
  });

  it('refuses a stage schedule for a method without stages', () => {
    const fields = refusal({ ...defaultTrainerConfig(), method: { method: 'ce' }, schedule: { kind: 'bidirectional' } });
    expect(fields).toEqual([{ field: 'schedule.kind', message: 'stage schedules apply to PCD only; use "joint"' }]);
  });
});

describe('durations for people', () => {
  it('rounds to what a reader needs', async () => {
    const { formatDuration } = await import('./config');
    expect([0.4, 40, 60, 200, 3600, 3725, Number.NaN, -1].map(formatDuration)).toEqual([
      '0 s',
      '40 s',
      '1 min',
      '3 min 20 s',
      '1 h 00 min',
      '1 h 02 min',
      '–',
      '–',
    ]);
  });
});

describe('messages a person reads under a field', () => {
  it('says what is expected in plain words, and refuses PCD with both passes off', () => {
    const base = defaultTrainerConfig('synthetic100');
    const fields = refusal({
      ...base,
      batchSize: 2.5,
      trainSubset: 0,
      budget: { unit: 'epochs', amount: 1e9 + 0.5 },
      method: { ...base.method, temperature: Number.POSITIVE_INFINITY },
    });
    expect(Object.fromEntries(fields.map((f) => [f.field, f.message]))).toEqual({
      batchSize: 'expected a whole number',
      trainSubset: 'expected at least 1',
      'budget.amount': 'expected a whole number',
      'method.temperature': 'expected a finite number',
    });
    expect(refusal({ ...base, method: { ...base.method, fineToCoarse: false, coarseToFine: false } })).toEqual([
      { field: 'method.coarseToFine', message: 'PCD needs at least one pass: turn on fine → coarse or coarse → fine' },
    ]);
  });
});

describe('sane ranges', () => {
  it('refuses every number past its range at its field, saying the range', () => {
    const base = defaultTrainerConfig('synthetic100');
    const pcd = base.method as Extract<TrainerConfig['method'], { method: 'pcd' }>;
    const fields = refusal({
      ...base,
      seed: -1,
      optimizer: { kind: 'adam', learningRate: 1e308 },
      budget: { unit: 'steps', amount: 9_007_199_254_740_991 },
      method: { ...pcd, temperature: 5e-324, alpha: 1e308, ceWeight: 1e308, stages: 11 },
    });
    expect(Object.fromEntries(fields.map((f) => [f.field, f.message]))).toEqual({
      seed: 'expected at least 0',
      'optimizer.learningRate': 'expected at most 10',
      'budget.amount': 'expected at most 1000000',
      'method.temperature': 'expected at least 0.1',
      'method.alpha': 'expected at most 1000',
      'method.ceWeight': 'expected at most 1000',
      'method.stages': 'expected at most 10',
    });
    expect(refusal({ ...base, trainSubset: 16_000, batchSize: 1, budget: { unit: 'epochs', amount: 100 } })).toEqual([
      { field: 'budget.amount', message: 'at most 1,000,000 steps in all (16000 per epoch here)' },
    ]);
    const segments = Array.from({ length: 101 }, () => ({ stage: 1, share: 1 }));
    expect(refusal({ ...base, schedule: { kind: 'custom', segments } })).toEqual([{ field: 'schedule.segments', message: 'at most 100 phases' }]);
  });
});

describe('the digit scenes (a detection race)', () => {
  it('takes the detector, K + 1 classes, no augmentation and the joint PCD loss, naming the field otherwise', () => {
    const scenes = defaultTrainerConfig('scenes');
    expect(parseTrainerConfig(scenes, null)).toEqual(scenes);
    expect(classCount('scenes', null)).toBe(11);
    const refused = (change: Partial<TrainerConfig>) => {
      try {
        parseTrainerConfig({ ...scenes, ...change }, null);
      } catch (error) {
        return (error as ConfigError).fields.map((f) => f.field);
      }
      return [];
    };
    expect(refused({ augmentation: true })).toEqual(['augmentation']);
    expect(refused({ schedule: { kind: 'bidirectional' } })).toEqual(['schedule.kind']);
    expect(refused({ student: 'mnist-cnn-small' })).toEqual(['student']);
    expect(refused({ trainSubset: 4001 })).toEqual(['trainSubset']);
  });

  it('races DKD with its authors’ detection settings beside a PCD run', () => {
    const runs = runsOf({ config: defaultTrainerConfig('scenes'), compare: ['ce', 'dkd'] }, null);
    expect(runs.find((r) => r.id === 'dkd')!.method).toMatchObject({ alpha: 1, beta: 0.25, temperature: 1 });
    expect(runsOf({ config: defaultTrainerConfig('mnist'), compare: ['dkd'] }, null).find((r) => r.id === 'dkd')!.method).toMatchObject({
      beta: 8,
      temperature: 4,
    });
  });
});
