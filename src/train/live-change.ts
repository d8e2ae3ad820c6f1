// What a run may change while it trains (the learning rate, τ, α), as one pure function the
// worker, the trainer and the page all apply, and one check by the schema Apply uses.
import type { MethodConfig } from '../distill/methods';
import type { LocalFacts } from '../models/catalog';
import { ConfigError, parseRuns, parseTrainerConfig, type TrainerConfig } from './config';
import type { RunSpec } from './reports';

/** What can change while a run goes on. τ applies to every distilling run; α to DKD's TCKD weight and PCD. */
export interface LiveChange {
  learningRate?: number;
  temperature?: number;
  alpha?: number;
}

/** A method after a live change: τ where it has one (KD, DKD, PCD), α for DKD and PCD. */
export function changeMethod(method: MethodConfig, change: LiveChange): MethodConfig {
  const next = { ...method };
  if (change.temperature !== undefined && 'temperature' in next) next.temperature = change.temperature;
  if (change.alpha !== undefined && (next.method === 'pcd' || next.method === 'dkd')) next.alpha = change.alpha;
  return next;
}

/** A configuration after a live change: its learning rate and its method's τ and α (nothing checked). */
export function applyLiveChange(config: TrainerConfig, change: LiveChange): TrainerConfig {
  return {
    ...config,
    optimizer: change.learningRate === undefined ? config.optimizer : { ...config.optimizer, learningRate: change.learningRate },
    method: changeMethod(config.method, change),
  };
}

/**
 * The configuration and runs after a live change, through the same schema as Apply: a
 * refused change throws {@link ConfigError} naming each field (`optimizer.learningRate`,
 * `runs.kd.temperature`), so a live change can never set what Apply would refuse.
 */
export function checkLiveChange(
  config: TrainerConfig,
  runs: readonly RunSpec[],
  change: LiveChange,
  local: LocalFacts | null,
): { config: TrainerConfig; runs: RunSpec[] } {
  const unknown = Object.keys(change).filter((key) => !['learningRate', 'temperature', 'alpha'].includes(key));
  if (unknown.length) throw new ConfigError(unknown.map((field) => ({ field, message: 'cannot change while a run trains: apply it instead' })));
  const next = parseTrainerConfig(applyLiveChange(config, change), local);
  return {
    config: next,
    runs: parseRuns(
      runs.map((run) => ({ id: run.id, method: changeMethod(run.method, change) })),
      next,
      local,
    ),
  };
}
