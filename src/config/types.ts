// The page's configuration as the links, files, presets and lessons share it (no logic here).
import type { Method } from '../distill/methods';
import type { TrainerConfig } from '../train/config';

export interface PageConfig {
  config: TrainerConfig;
  /** Methods trained side by side with `config.method` (each with its defaults). */
  compare: Method[];
}

/** The playground's charts, in the order the page lays them out. */
export const CHARTS = ['summary', 'curves', 'scenes', 'ranking', 'groups', 'schedule', 'probabilities', 'per-class', 'agreement'] as const;
export type Chart = (typeof CHARTS)[number];
/** Every chart the page can show: the playground's, and the lesson's temperature view first. */
export const VIEW_CHARTS = ['temperature', ...CHARTS] as const;
export type ViewChart = (typeof VIEW_CHARTS)[number];

/** Parts of the page a classroom link can hide (`hide=…` in the hash): parts of the setup, and whole charts (for a lesson about one of them). */
export const HIDEABLE = ['setup', 'live', 'speed', 'export', 'history', 'confusion', 'schedule-editor', ...CHARTS] as const;
export type Hideable = (typeof HIDEABLE)[number];
