import { describe, expect, it } from 'vitest';
import type { LocalFacts } from '../models/catalog';
import { METHOD_DEFAULTS } from '../distill/methods';
import { parseTrainerConfig } from '../train/config';
import { LESSON_LINKS } from '../lessons/chapters';
import { fromHash } from './link';
import { localTrainingPlan } from './local-plan';
import { runsOf } from './page-config';

/** One's own table of `train` rows, `classes` classes (26 by default), 16 features. */
const facts = (train: number, classes = 26) =>
  ({
    name: 'letters.csv',
    classNames: Array.from({ length: classes }, (_, i) => String.fromCharCode(65 + i)),
    featureShape: [16],
    trainCount: train,
    testCount: 200,
    teacherTestAccuracy: 0.9,
    teacher: { kind: 'logits', file: 'teacher.npy' },
  }) as unknown as LocalFacts;

describe('"Train on it": the budget and the seeds, with their reasons', () => {
  it('trains at least 500 steps and 10 epochs, and 3 seeds where that stays within 6,000 steps', () => {
    const small = localTrainingPlan(facts(1000));
    // 1,000 rows, batch 64: 16 steps an epoch, so 32 epochs for 500 steps; 3 × 512 steps.
    expect(small.config).toMatchObject({ budget: { unit: 'epochs', amount: 32 }, seeds: 3, batchSize: 64 });
    expect(small.basis).toMatch(
      /^32 epochs of 16 steps \(batch 64\): at least 10 epochs and 500 steps, because .* budget study\).*3 seeds, for a verdict on the methods/,
    );
  });

  it('one seed where three would be too long, and says what that verdict is about', () => {
    const large = localTrainingPlan(facts(60000));
    expect(large.config).toMatchObject({ budget: { unit: 'epochs', amount: 10 }, seeds: 1 });
    expect(large.basis).toContain(
      'One seed: 3 would train 3 × 9,380 steps, so the verdict will be about the students this seed trains; set Seeds to 3 for one on the methods.',
    );
  });
});

describe('a two-class dataset of one’s own trains out of the box', () => {
  it('PCD takes 2 stages, as many as there are classes, wherever its defaults come from', () => {
    const two = facts(400, 2);
    // "Train on it" said "runs.pcd.stages: at most 2" (the default is 3), a dataset=local link ended in refused defaults.
    const plan = localTrainingPlan(two);
    expect(plan.config.method).toMatchObject({ method: 'pcd', stages: 2 });
    expect(parseTrainerConfig(plan.config, two).method).toMatchObject({ stages: 2 });
    expect(
      runsOf({ config: { ...plan.config, method: { ...METHOD_DEFAULTS.kd } }, compare: ['ce', 'pcd'] }, two).find((r) => r.id === 'pcd')!.method,
    ).toMatchObject({
      stages: 2,
    });
    const link = fromHash('#dataset=local&method.method=pcd&compare=ce,kd,dkd', LESSON_LINKS, two)!;
    expect(link.notices).toEqual([]);
    expect(link.config.method).toMatchObject({ method: 'pcd', stages: 2 });
    // A stage count asked for explicitly is still checked.
    expect(fromHash('#dataset=local&method.stages=3', LESSON_LINKS, two)!.notices).toEqual([
      'method.stages: at most 2, the number of classes; using the default',
    ]);
  });
});
