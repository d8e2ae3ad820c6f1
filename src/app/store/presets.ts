import { METHOD_DEFAULTS } from '../../distill/methods';
import { defaultTrainerConfig } from '../../train/config';
import type { PageConfig } from './config-state';

export interface Preset {
  id: string;
  name: string;
  explanation: string;
  page: PageConfig;
}

const synthetic = defaultTrainerConfig('synthetic100');
const mnist = defaultTrainerConfig('mnist');

export const PRESETS: readonly Preset[] = [
  {
    id: 'paper',
    name: 'Paper defaults (PCD, S = 3, τ = 4)',
    explanation:
      'PCD as the paper trains it: all 3 stages in both passes at every step, τ = 4, α = 1, adaptive λ, distillation warmed in over the first 20/240 of training, on 100 classes (Adam instead of the paper’s SGD: see the README).',
    page: { config: { ...synthetic, method: { ...METHOD_DEFAULTS.pcd } }, compare: [] },
  },
  {
    id: 'mnist-500',
    name: 'MNIST with 500 training digits',
    explanation: 'Little data is where a teacher helps most: a 4k-parameter CNN learns from 500 digits, PCD against plain cross-entropy.',
    page: { config: { ...mnist, trainSubset: 500, budget: { unit: 'epochs', amount: 20 } }, compare: ['ce'] },
  },
  {
    id: 'superclasses',
    name: '100 classes in 20 superclasses',
    explanation:
      'Classes come in families of 5 that look alike, so the teacher’s low-probability classes carry structure. Scheduled PCD walks the stages fine → coarse → fine.',
    page: { config: { ...synthetic, schedule: { kind: 'bidirectional' }, budget: { unit: 'epochs', amount: 12 } }, compare: [] },
  },
  {
    id: 'race',
    name: 'Race: CE vs KD vs DKD vs PCD',
    explanation: 'Four students from the same initial weights on the same batches, one step each in turn: a fair race.',
    page: { config: { ...synthetic, trainSubset: 4000, budget: { unit: 'epochs', amount: 10 } }, compare: ['ce', 'kd', 'dkd'] },
  },
  {
    id: 'tiny',
    name: 'Tiny (a quick look, any backend)',
    explanation: '512 samples, a 1.7k-parameter student, 40 steps: finishes in seconds even on a software GPU.',
    page: {
      config: { ...synthetic, student: 'synthetic-mlp-tiny', trainSubset: 512, budget: { unit: 'steps', amount: 40 } },
      compare: ['kd'],
    },
  },
];

export const DEFAULT_PRESET = PRESETS[0];
