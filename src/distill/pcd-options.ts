// PCD's options merged with the defaults and checked, with no TF.js: shared by the fused
// path (pcd.ts) and the composed reference (pcd-reference.ts).
import { DistillInputError, requireBoolean, requireFiniteNonNegative, requireFinitePositive, requireIntegerInRange } from './errors';
import { PCD_DEFAULTS, type PcdOptions } from './methods';

/** Merges options with the defaults and validates them against a problem with `classes` classes. */
export function resolvePcdOptions(options: Partial<PcdOptions>, classes: number): PcdOptions {
  const resolved = { ...PCD_DEFAULTS, ...options };
  requireIntegerInRange('stages', resolved.stages, 1, classes);
  requireFinitePositive('temperature', resolved.temperature);
  requireFiniteNonNegative('alpha', resolved.alpha);
  for (const flag of ['adaptive', 'ranking', 'fineToCoarse', 'coarseToFine', 'standardizeLogits'] as const) {
    requireBoolean(flag, resolved[flag]);
  }
  if (resolved.activeStage === null) {
    if (!resolved.fineToCoarse && !resolved.coarseToFine) {
      throw new DistillInputError(
        'fineToCoarse/coarseToFine',
        'false/false',
        'at least one pass switched on (with both off the PCD loss is identically 0)',
      );
    }
  } else {
    requireIntegerInRange('activeStage', resolved.activeStage, 1, resolved.stages);
  }
  return resolved;
}
