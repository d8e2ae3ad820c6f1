// The methods and their defaults, with no TF.js: the page's main thread (setup panel, URL
// state, config import) imports this, and its bundle must not pull TF.js in.
import type { DkdOptions, KdOptions } from './baselines';
import type { PcdOptions } from './pcd';

export const KD_DEFAULTS: KdOptions = { temperature: 4, standardizeLogits: false };

export const DKD_DEFAULTS: DkdOptions = { temperature: 4, standardizeLogits: false, alpha: 1, beta: 8 };

export const PCD_DEFAULTS: PcdOptions = {
  stages: 3,
  temperature: 4,
  alpha: 1,
  adaptive: true,
  ranking: true,
  fineToCoarse: true,
  coarseToFine: true,
  standardizeLogits: false,
  activeStage: null,
};

/** A method and its weights, as docs/spec.md composes each training loss. */
export type MethodConfig =
  | { method: 'ce' }
  | ({ method: 'kd'; ceWeight: number; kdWeight: number } & KdOptions)
  | ({ method: 'dkd'; ceWeight: number } & DkdOptions)
  | ({ method: 'pcd'; ceWeight: number } & Omit<PcdOptions, 'activeStage'>);

export type Method = MethodConfig['method'];

export const METHODS: readonly Method[] = ['ce', 'kd', 'dkd', 'pcd'];

export type MethodConfigOf<M extends Method> = Extract<MethodConfig, { method: M }>;

// eslint-disable-next-line @typescript-eslint/no-unused-vars
const { activeStage: _scheduledByTheTrainer, ...PCD_TERM_DEFAULTS } = PCD_DEFAULTS;

/** Each method with the defaults of docs/spec.md (KD's and DKD's are mdistiller's). */
export const METHOD_DEFAULTS: { readonly [M in Method]: MethodConfigOf<M> } = {
  ce: { method: 'ce' },
  kd: { method: 'kd', ceWeight: 0.1, kdWeight: 0.9, ...KD_DEFAULTS },
  dkd: { method: 'dkd', ceWeight: 1, ...DKD_DEFAULTS },
  pcd: { method: 'pcd', ceWeight: 1, ...PCD_TERM_DEFAULTS },
};
