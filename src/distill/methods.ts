// The methods and their defaults, with no TF.js: the page's main thread (setup panel, URL
// state, config import) imports this, and its bundle must not pull TF.js in.

export interface KdOptions {
  /** τ > 0; both distributions are softened by it. */
  temperature: number;
  /** Standardize both logit rows first (Sun et al. 2024). */
  standardizeLogits: boolean;
}

export interface DkdOptions extends KdOptions {
  /** Weight of the target-class term TCKD, ≥ 0. */
  alpha: number;
  /** Weight of the non-target-class term NCKD, ≥ 0. */
  beta: number;
}

/** Every option of PCD in docs/spec.md. */
export interface PcdOptions {
  /** Number of stages S, an integer in 1…C. Stage k cuts the ranked classes into k groups. */
  stages: number;
  /** τ > 0. */
  temperature: number;
  /** Weight α of the PCD term, ≥ 0. The returned `loss` is already multiplied by it. */
  alpha: number;
  /** Adaptive weight λ = 1 − cos(p, q) per group; `false` sets λ = 1 (ablation). */
  adaptive: boolean;
  /** Logit-difference ranking; `false` keeps class-index order (ablation). */
  ranking: boolean;
  /** Fine-to-coarse pass (stages S … 1). */
  fineToCoarse: boolean;
  /** Coarse-to-fine pass (stages 1 … S). */
  coarseToFine: boolean;
  /** Standardize both logit rows before the loss (Sun et al. 2024). */
  standardizeLogits: boolean;
  /**
   * Scheduled mode (spec §5): train with one stage only, `loss = α · 2 · L_k`. `null` is
   * the paper's per-step loss over all stages and both passes.
   */
  activeStage: number | null;
}

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

/**
 * Each method's defaults for detection (the digit scenes, src/detect/): DKD as its authors'
 * detection config has it (α = 1, β = 0.25, τ = 1); CE, KD and PCD as for classification.
 */
export const DETECTION_METHOD_DEFAULTS: { readonly [M in Method]: MethodConfigOf<M> } = {
  ...METHOD_DEFAULTS,
  dkd: { ...METHOD_DEFAULTS.dkd, alpha: 1, beta: 0.25, temperature: 1 },
};

/** The defaults of a method on a dataset: detection's on the digit scenes, else classification's. */
export function methodDefaults<M extends Method>(method: M, dataset: string, classes = Infinity): MethodConfigOf<M> {
  const defaults: MethodConfig = (dataset === 'scenes' ? DETECTION_METHOD_DEFAULTS : METHOD_DEFAULTS)[method];
  // PCD's stages cut the classes into groups: never more stages than classes (a two-class dataset of one's own takes 2).
  const fitted = defaults.method === 'pcd' && defaults.stages > classes ? { ...defaults, stages: Math.max(1, classes) } : defaults;
  return fitted as MethodConfigOf<M>;
}
