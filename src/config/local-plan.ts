// What "Train on it" trains on one's own data, and why: a budget long enough for
// distillation to show, and enough seeds for a verdict on the methods where that budget
// allows it. Pure; the page shows the reasons beside the button.
import type { LocalFacts } from '../models/catalog';
import { defaultTrainerConfig, type TrainerConfig } from '../train/config';
import { MIN_SEEDS_TESTED } from './verdict';

/**
 * The budget's floor and cap. On the built-in 100-class data a race stopped at 80 or 160
 * steps has CE ahead of every distilled student, and from 320 steps (20 epochs) on the
 * distilled students lead (docs/results.md, "Budget study: 100 classes"): at least 500 steps
 * and 10 epochs, at most 200 epochs.
 */
export const LOCAL_BUDGET = { minSteps: 500, minEpochs: 10, maxEpochs: 200 } as const;

/** Steps (over every seed) up to which "Train on it" trains {@link MIN_SEEDS_TESTED} seeds rather than one. */
export const LOCAL_SEEDED_STEPS = 6000;

export interface LocalPlan {
  config: TrainerConfig;
  /** The reasons, in words, for the page. */
  basis: string;
}

export function localTrainingPlan(local: LocalFacts): LocalPlan {
  const defaults = defaultTrainerConfig('local', local);
  const perEpoch = Math.ceil(defaults.trainSubset / defaults.batchSize);
  const epochs = Math.min(LOCAL_BUDGET.maxEpochs, Math.max(LOCAL_BUDGET.minEpochs, Math.ceil(LOCAL_BUDGET.minSteps / perEpoch)));
  const steps = epochs * perEpoch;
  const seeds = steps * MIN_SEEDS_TESTED <= LOCAL_SEEDED_STEPS ? MIN_SEEDS_TESTED : 1;
  const budget =
    `${epochs} epochs of ${perEpoch.toLocaleString('en')} steps (batch ${defaults.batchSize}): at least ${LOCAL_BUDGET.minEpochs} epochs and ` +
    `${LOCAL_BUDGET.minSteps} steps, because on the built-in 100-class data CE led every distilled student at 80 and 160 steps and ` +
    `distillation led from 320 on (docs/results.md, budget study); at most ${LOCAL_BUDGET.maxEpochs} epochs. Your data may need more: ` +
    'the summary says so when the students are still improving at the end.';
  const seedsText =
    seeds > 1
      ? `${seeds} seeds, for a verdict on the methods (paired seed by seed), not only on the students one seed trains.`
      : `One seed: ${MIN_SEEDS_TESTED} would train ${MIN_SEEDS_TESTED} × ${steps.toLocaleString('en')} steps, so the verdict will be about the students this seed trains; set Seeds to ${MIN_SEEDS_TESTED} for one on the methods.`;
  return { config: { ...defaults, budget: { unit: 'epochs', amount: epochs }, seeds }, basis: `${budget} ${seedsText}` };
}
