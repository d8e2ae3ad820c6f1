// The page's configuration as the links, files, presets and lessons share it (no logic here).
import type { Method } from '../distill/methods';
import type { TrainerConfig } from '../train/config';

export interface PageConfig {
  config: TrainerConfig;
  /** Methods trained side by side with `config.method` (each with its defaults). */
  compare: Method[];
}

/** Parts of the page a classroom link can hide (`hide=…` in the hash). */
export const HIDEABLE = [
  'setup',
  'live',
  'speed',
  'export',
  'history',
  'confusion',
  'schedule-editor',
  // Whole charts, for a lesson about one of them.
  'summary',
  'curves',
  'ranking',
  'groups',
  'schedule',
  'probabilities',
  'per-class',
  'agreement',
] as const;
export type Hideable = (typeof HIDEABLE)[number];
