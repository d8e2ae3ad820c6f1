import { METHOD_DEFAULTS } from '../distill/methods';
import { defaultTrainerConfig, type TrainerConfig } from '../train/config';
import { samePage } from './page-config';
import type { PageConfig } from './types';

export interface Preset {
  id: string;
  name: string;
  /** What the learner should see, and when (docs/results.md has the measurements behind it). */
  explanation: string;
  page: PageConfig;
}

// Chosen by measurement (docs/results.md): a teacher helps a small student only when the
// student trains long enough. With 2,000 samples of the 100-class data and Adam at 0.01,
// CE has stopped improving after ~20 epochs while KD, DKD and PCD keep going; before
// ~10 epochs CE is ahead. Every preset below says which side of that line it is on.
const synthetic = defaultTrainerConfig('synthetic100');
const mnist = defaultTrainerConfig('mnist');
const raceConfig: TrainerConfig = {
  ...synthetic,
  trainSubset: 2000,
  batchSize: 128,
  budget: { unit: 'epochs', amount: 40 },
};

export const PRESETS: readonly Preset[] = [
  {
    id: 'race',
    name: 'Race of four methods',
    explanation:
      'Four students from the same initial weights on the same batches, one step each in turn: a fair race on 2,000 samples of 100 classes, 640 steps. ' +
      'All four climb together for the first few epochs; then CE (no teacher) levels off while KD, DKD and PCD keep climbing, to end about 7–10 points above it ' +
      '(3 seeds in docs/results.md). Watch the accuracy chart: CE’s train accuracy (dashed) runs far above its test accuracy, it memorises 2,000 labels; the distilled students’ do not.',
    page: { config: raceConfig, compare: ['ce', 'kd', 'dkd'] },
  },
  {
    id: 'mnist-few',
    name: 'MNIST from 200 digits',
    explanation:
      'A 784 → 64 → 10 MLP learns digits from only 200 labelled examples, with and without the CNN teacher. All three climb fast and level off within ~20 epochs, ' +
      'KD and PCD 2–3 points above CE (3 seeds in docs/results.md). A small gain, honestly: 200 labels already give 81%, and most of what the teacher’s 98% ' +
      'has over the student is what an MLP cannot learn from 200 images. Turn augmentation on: every run gains ~5 points, the teacher’s lead stays.',
    page: {
      config: { ...mnist, student: 'mnist-mlp-wide', trainSubset: 200, batchSize: 64, budget: { unit: 'epochs', amount: 100 } },
      compare: ['ce', 'kd'],
    },
  },
  {
    id: 'cnn',
    name: 'Images: a small CNN',
    explanation:
      'The paper’s own ground: a 4k-parameter CNN (conv 4 and 8 channels) learns digits from 500 labelled examples, all four methods raced, 640 steps. ' +
      'CE reaches about 90% and stops; KD, DKD and PCD, taught by the 98% CNN teacher, end 3–5 points above it (3 seeds in docs/results.md). ' +
      'On a machine without a usable GPU it trains on the WASM backend, in about a minute.',
    page: {
      config: { ...mnist, student: 'mnist-cnn-small', trainSubset: 500, batchSize: 64, budget: { unit: 'epochs', amount: 80 } },
      compare: ['ce', 'kd', 'dkd'],
    },
  },
  {
    id: 'scenes',
    name: 'Detection: digit scenes',
    explanation:
      'The paper’s second task: a 4k-parameter grid detector finds 1–4 digits in 64 × 64 scenes, CE, KD, DKD and PCD raced on 3 seeds, 600 steps. ' +
      'Each of the 8 × 8 cells is classified over the ten digits and background; the losses see every cell with a digit and three background cells per digit. ' +
      'Watch the boxes sharpen on the probe scenes; the verdict is on COCO AP. Measured over 3 seeds (docs/results.md): CE ends ahead with AP 19.4, DKD within noise of it (17.5), ' +
      'KD and PCD about 10 points behind, and no longer or smaller-data budget tried changed that: at this scale the teacher does not help this student, whose boxes it makes less precise. ' +
      'About 6 minutes on WASM here.',
    page: { config: { ...defaultTrainerConfig('scenes'), seeds: 3 }, compare: ['ce', 'kd', 'dkd'] },
  },
  {
    id: 'short',
    name: 'Too short: CE ahead',
    explanation:
      'The race stopped after 5 epochs (80 steps). Here CE is ahead of every distilled student: the distillation term is still ramping in, and matching ' +
      'a teacher’s 100 probabilities is a harder target than one label. This is what a short demo teaches by mistake; the Race preset trains 8× longer.',
    page: { config: { ...raceConfig, budget: { unit: 'epochs', amount: 5 } }, compare: ['ce', 'kd', 'dkd'] },
  },
  {
    id: 'paper',
    name: 'PCD as in the paper',
    explanation:
      'PCD as the paper trains it, with CE beside it for reference: all 3 stages in both passes at every step, τ = 4, α = 1, adaptive λ, distillation warmed in over the first 1/12 of training ' +
      '(Adam instead of the paper’s SGD; SGD with momentum is in Setup under Optimizer). Watch the class groups chart: before training the middle group of stage 3 holds most of the loss; after the warm-up the group of the largest gaps does, and λ falls in the middle and smallest groups.',
    page: { config: { ...raceConfig, method: { ...METHOD_DEFAULTS.pcd } }, compare: ['ce'] },
  },
  {
    id: 'superclasses',
    name: 'Scheduled stages',
    explanation:
      'Classes come in families of 5 that look alike, so the teacher’s low-probability classes carry structure. Scheduled PCD trains one stage at a time, ' +
      'S … 1 then 1 … S: watch the marker walk the stage schedule. In the first phase every stage’s loss falls together; after it, each stage’s loss falls in its own phase and climbs back while another stage trains (the stage-loss chart, on a log scale). (In docs/results.md the joint loss does as well or better.)',
    page: { config: { ...raceConfig, schedule: { kind: 'bidirectional' } }, compare: ['ce', 'kd'] },
  },
  {
    id: 'tiny',
    name: 'Tiny: charts in a minute',
    explanation:
      '40 steps of a 1.7k-parameter student on 512 samples: enough to see every chart move, far too short to learn 100 classes (about 10% accuracy) ' +
      'or to say which method is better. A few seconds, even on a machine without a GPU.',
    page: {
      config: { ...synthetic, student: 'synthetic-mlp-tiny', trainSubset: 512, budget: { unit: 'steps', amount: 40 } },
      compare: ['kd'],
    },
  },
];

/** The page opens on the race: distillation working, against CE, in a budget that shows it. */
export const DEFAULT_PRESET = PRESETS[0];

/**
 * The preset a configuration is, or undefined (a custom one). A preset on more seeds is still
 * that preset: the seeds say how many times it trains, not what.
 */
export function presetOf(page: PageConfig): Preset | undefined {
  return PRESETS.find((p) => samePage(p.page, { ...page, config: { ...page.config, seeds: p.page.config.seeds } }));
}
