// A page configuration as a link: one readable `key=value` per field in the URL hash, with
// the parts a classroom link adds (hide=, backend=, lesson=, present=). Read back through
// the same checks as a configuration file (sanitizeConfig).
import type { LocalFacts } from '../models/catalog';
import type { BackendName } from '../tf/backends';
import { flatten, formatSegments, INPUT_LIMITS, sanitizeConfig, summariseNotices } from './page-config';
import { DEFAULT_PRESET } from './presets';
import { HIDEABLE, VIEW_CHARTS, type Hideable, type PageConfig, type ViewChart } from './types';

/** The backends a link may force. */
const BACKENDS: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export interface HashState extends PageConfig {
  hide: Hideable[];
  backend: BackendName | null;
  /** `present=1`: the presentation view (the whole width, type and strokes scaled for a projector). */
  present: boolean;
  /** `present=<chart>`: the presentation view with that chart drawn large (null: the page's choice). */
  presentLarge: ViewChart | null;
  notices: string[];
  /** False when the link sets no part of the configuration (only `hide=`, `backend=` or `lesson=`). */
  hasConfig: boolean;
  /** `lesson=N`: the lesson chapter to open (0-based here, 1-based in the link), or null. */
  lesson: number | null;
}

/** The hash of a page config: one readable `key=value` per field (dotted paths). */
export function toHash(
  page: PageConfig,
  extra: { hide?: Hideable[]; backend?: BackendName | null; lesson?: number | null; present?: boolean; presentLarge?: ViewChart | null } = {},
): string {
  const params = new URLSearchParams();
  for (const [key, value] of flatten(page.config)) {
    if (key.startsWith('schedule.segments')) continue;
    params.set(key, String(value));
  }
  if (page.config.schedule.kind === 'custom') params.set('schedule.segments', formatSegments(page.config.schedule.segments));
  // Always written, even empty: a link without `compare` keeps its base's (the default preset races three).
  params.set('compare', page.compare.join(','));
  if (extra.hide?.length) params.set('hide', extra.hide.join(','));
  if (extra.backend) params.set('backend', extra.backend);
  if (extra.lesson !== undefined && extra.lesson !== null) params.set('lesson', String(extra.lesson + 1));
  if (extra.present) params.set('present', extra.presentLarge ?? '1');
  return `#${params.toString()}`;
}

/** The lesson's chapters as a link sees them (lessons/chapters.ts gives `LESSON_LINKS`): how many, and each one's configuration. */
export interface LessonLinks {
  count: number;
  /** The 0-based chapter a link's `lesson=N` (1-based) names, or null. */
  indexOf: (value: string) => number | null;
  pageOf: (index: number) => PageConfig | null;
}

/**
 * Reads a location hash; an empty hash or an anchor gives `null` (the page then uses its default preset).
 * Its settings change a base: the lesson chapter's configuration in a lesson link, else the default
 * preset (`#budget.amount=5` is the default race for 5 epochs, not the schema's defaults).
 */
export function fromHash(hash: string, lessons: LessonLinks, local: LocalFacts | null = null): HashState | null {
  const text = hash.replace(/^#/, '');
  // An in-page anchor (`#charts`) is not a configuration link.
  if (!text || !text.includes('=')) return null;
  const params = new URLSearchParams(text);
  const nested: Record<string, unknown> = {};
  const notices: string[] = [];
  let hide: Hideable[] = [];
  let backend: BackendName | null = null;
  let lesson: number | null = null;
  let prefixed = 0;
  let present = false;
  let presentLarge: ViewChart | null = null;
  // A key given twice: the last wins, and the link says so (a hand-edited link may have both).
  const seen = new Set<string>();
  for (const [entry] of params) {
    if (seen.has(entry)) {
      if (notices.length < 5) notices.push(`"${entry.slice(0, 40)}" is given more than once: the last value is used`);
    } else seen.add(entry);
  }
  for (const [entry, value] of params) {
    // Links write `dataset=…`, not `config.dataset=…` (a config file's wrapper): read it, and say so once.
    const key = entry.startsWith('config.') ? entry.slice('config.'.length) : entry;
    if (key !== entry && prefixed++ === 0)
      notices.push(`"${entry.slice(0, 40)}": a link's settings have no "config." prefix; read as "${key.slice(0, 40)}"`);
    if (key === 'present') {
      if (value === '1' || value === 'true') present = true;
      else if ((VIEW_CHARTS as readonly string[]).includes(value)) {
        present = true;
        presentLarge = value as ViewChart;
      } else if (value !== '0' && value !== 'false')
        notices.push(`present = "${value.slice(0, 20)}" is not 1, 0 or a chart (${VIEW_CHARTS.join(', ')}): ignored`);
      continue;
    }
    if (key === 'lesson') {
      lesson = lessons.indexOf(value);
      if (lesson === null) notices.push(`lesson = "${value.slice(0, 20)}" is not a chapter 1–${lessons.count}: ignored`);
      continue;
    }
    if (key === 'hide') {
      for (const part of value.split(',').filter(Boolean)) {
        if ((HIDEABLE as readonly string[]).includes(part)) hide.push(part as Hideable);
        else notices.push(`hide: "${part.slice(0, 20)}" is not one of ${HIDEABLE.join(', ')}: ignored`);
      }
      continue;
    }
    if (key === 'backend') {
      if (BACKENDS.includes(value as BackendName)) backend = value as BackendName;
      else notices.push(`backend = "${value.slice(0, 20)}" is not one of ${BACKENDS.join(', ')}: ignored`);
      continue;
    }
    if (key === 'compare') {
      nested.compare = value;
      continue;
    }
    if (key.length > INPUT_LIMITS.keyLength || key.split('.').length > INPUT_LIMITS.depth || !/^[A-Za-z]+(\.[A-Za-z]+)*$/.test(key)) {
      notices.push(`unknown setting "${key.slice(0, 40)}": ignored`);
      continue;
    }
    const path = key.split('.');
    let node = nested;
    let clash = false;
    for (const part of path.slice(0, -1)) {
      if (node[part] === undefined) node[part] = {};
      if (typeof node[part] !== 'object') clash = true;
      else node = node[part] as Record<string, unknown>;
    }
    if (clash) notices.push(`unknown setting "${key.slice(0, 40)}": ignored`);
    else node[path[path.length - 1]] = value;
  }
  hide = [...new Set(hide)];
  if (prefixed > 1) notices.push(`${prefixed - 1} more setting${prefixed > 2 ? 's' : ''} with the "config." prefix read without it`);
  // In a lesson link, the settings change the chapter's configuration: a refused one leaves the chapter's value.
  const sanitized = sanitizeConfig(nested, true, lesson === null ? DEFAULT_PRESET.page : lessons.pageOf(lesson), local);
  return {
    ...sanitized,
    hide,
    backend,
    lesson,
    present,
    presentLarge,
    notices: summariseNotices([...notices, ...sanitized.notices]),
    hasConfig: Object.keys(nested).length > 0,
  };
}
