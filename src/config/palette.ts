// Colour-blind-safe colours: the Okabe–Ito palette for runs and for the groups of a stage,
// and a viridis ramp (perceptually uniform, readable with every common colour-vision
// deficiency) for heat maps and for stages with more groups than the palette has.
import type { MethodConfig } from '../distill/methods';

export const RUN_COLOURS: Record<string, string> = {
  teacher: '#000000',
  ce: '#0072B2',
  kd: '#E69F00',
  dkd: '#009E73',
  pcd: '#D55E00',
};

const GROUP_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442'];

const VIRIDIS = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'];

/** A colour for value t in [0, 1] on the viridis ramp. */
export function viridis(t: number): string {
  const x = Math.min(Math.max(t, 0), 1) * (VIRIDIS.length - 1);
  return VIRIDIS[Math.round(x)];
}

/** The colour of group g of a stage with `groups` groups. */
export function groupColour(g: number, groups: number): string {
  if (groups <= GROUP_COLOURS.length) return GROUP_COLOURS[g];
  return viridis(groups === 1 ? 0 : g / (groups - 1));
}

/** The colour of superclass s (the palette's colours in turn: neighbouring families differ). */
export function superclassColour(s: number): string {
  return GROUP_COLOURS[s % GROUP_COLOURS.length];
}

export function runColour(id: string): string {
  return RUN_COLOURS[id] ?? '#666666';
}

export const RUN_LABEL: Record<string, string> = { ce: 'CE', kd: 'KD', dkd: 'DKD', pcd: 'PCD', teacher: 'Teacher' };

/**
 * A run's name wherever the page says it: its method's, and for a PCD variant with parts
 * switched off (the ablation, lesson chapter 6) what it lacks, so a variant never passes for
 * PCD itself ("PCD without ranking or λ", "PCD, fine-to-coarse pass only").
 */
export function runName(id: string, method?: MethodConfig | null): string {
  const base = RUN_LABEL[id] ?? id;
  if (id !== 'pcd' || method?.method !== 'pcd') return base;
  const off = [method.ranking ? null : 'ranking', method.adaptive ? null : 'λ'].filter((part): part is string => part !== null);
  const passes =
    method.fineToCoarse && method.coarseToFine
      ? ''
      : method.fineToCoarse
        ? ', fine-to-coarse pass only'
        : method.coarseToFine
          ? ', coarse-to-fine pass only'
          : '';
  return `${base}${off.length ? ` without ${off.join(' or ')}` : ''}${passes}`;
}

const VIRIDIS_RGB = VIRIDIS.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number]);

/** viridis(t) as [r, g, b] bytes (for pixel images; parsed once, not per cell). */
export function viridisRgb(t: number): [number, number, number] {
  return VIRIDIS_RGB[Math.round(Math.min(Math.max(t, 0), 1) * (VIRIDIS.length - 1))];
}
