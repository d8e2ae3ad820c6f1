// Figures as standalone SVG files, drawn from stored results (never by hand): a study's
// final test accuracy against the varied flag, and an experiment's test accuracy against
// the epoch. Colours are the page's (Okabe–Ito); a dashed line marks the teacher.
import { RUN_LABEL, runColour } from '../../src/config/palette';
import { meanStd } from './experiment-report';
import type { ExperimentResult } from './experiment-run';
import type { Study } from './study-render';

const AXIS: Record<string, string> = {
  epochs: 'training budget (epochs, log scale; each point a complete run)',
  steps: 'training budget (steps, log scale; each point a complete run)',
  lr: 'learning rate (log scale)',
  subset: 'training samples (log scale)',
};
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface PlotSeries {
  id: string;
  points: { x: number; y: number; err?: number }[];
}

/** Lines (with ±err bars where given) for each run, a teacher reference, axes and labels. */
function linePlot(opts: {
  title: string;
  xLabel: string;
  yLabel: string;
  xLog: boolean;
  ticks: number[];
  series: PlotSeries[];
  teacher: number;
  markers: boolean;
}): string {
  const W = 640;
  const H = 400;
  const M = { left: 56, right: 96, top: 40, bottom: 48 };
  const xs = opts.series.flatMap((s) => s.points.map((p) => p.x));
  const values = opts.series.flatMap((s) => s.points.flatMap((p) => [p.y - (p.err ?? 0), p.y + (p.err ?? 0)])).concat(opts.teacher);
  const yMin = Math.max(0, Math.floor(Math.min(...values) / 10) * 10);
  const yMax = Math.min(100, Math.ceil(Math.max(...values) / 10) * 10);
  const f = (v: number) => (opts.xLog ? Math.log(v) : v);
  const [xLo, xHi] = [f(Math.min(...xs)), f(Math.max(...xs))];
  const x = (v: number) => M.left + (xHi === xLo ? 0.5 : (f(v) - xLo) / (xHi - xLo)) * (W - M.left - M.right);
  const y = (v: number) => M.top + (1 - (v - yMin) / (yMax - yMin)) * (H - M.top - M.bottom);
  const parts: string[] = [`<rect width="${W}" height="${H}" fill="#fff"/>`];
  parts.push(`<text x="${M.left}" y="22" font-size="14" font-weight="600">${escape(opts.title)}</text>`);
  for (let v = yMin; v <= yMax; v += yMax - yMin > 40 ? 10 : 5) {
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${M.left - 6}" y="${(y(v) + 4).toFixed(1)}" font-size="11" text-anchor="end">${v}</text>`);
  }
  for (const t of opts.ticks) {
    parts.push(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${H - M.bottom}" y2="${H - M.bottom + 4}" stroke="#333"/>`);
    parts.push(`<text x="${x(t).toFixed(1)}" y="${H - M.bottom + 17}" font-size="11" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#333"/>`);
  parts.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 10}" font-size="12" text-anchor="middle">${escape(opts.xLabel)}</text>`);
  parts.push(
    `<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" font-size="12" text-anchor="middle">${escape(opts.yLabel)}</text>`,
  );
  parts.push(
    `<line x1="${M.left}" x2="${W - M.right}" y1="${y(opts.teacher).toFixed(1)}" y2="${y(opts.teacher).toFixed(1)}" stroke="#000" stroke-dasharray="5 4"/>`,
  );
  parts.push(`<text x="${W - M.right + 6}" y="${(y(opts.teacher) + 4).toFixed(1)}" font-size="11">teacher ${opts.teacher.toFixed(1)}</text>`);
  // Run labels at the right end, pushed apart so they never overlap.
  const ends = opts.series.map((s) => ({ id: s.id, y: y(s.points.at(-1)!.y) })).sort((a, b) => a.y - b.y);
  for (let i = 1; i < ends.length; i++) ends[i].y = Math.max(ends[i].y, ends[i - 1].y + 13);
  for (const [i, s] of opts.series.entries()) {
    const colour = runColour(s.id);
    const dx = opts.markers ? (i - (opts.series.length - 1) / 2) * 3 : 0; // keeps overlapping error bars apart
    const path = s.points.map((p, j) => `${j ? 'L' : 'M'}${(x(p.x) + dx).toFixed(1)},${y(p.y).toFixed(1)}`).join('');
    parts.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    if (opts.markers) {
      for (const p of s.points) {
        const cx = (x(p.x) + dx).toFixed(1);
        if (p.err) parts.push(`<line x1="${cx}" x2="${cx}" y1="${y(p.y - p.err).toFixed(1)}" y2="${y(p.y + p.err).toFixed(1)}" stroke="${colour}"/>`);
        parts.push(`<circle cx="${cx}" cy="${y(p.y).toFixed(1)}" r="3" fill="${colour}"/>`);
      }
    }
    const end = ends.find((e) => e.id === s.id)!;
    parts.push(
      `<text x="${W - M.right + 6}" y="${(end.y + 4).toFixed(1)}" font-size="12" fill="${colour}" font-weight="600">${escape(RUN_LABEL[s.id] ?? s.id)}</text>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif">\n${parts.join('\n')}\n</svg>\n`;
}

/** A study: final test accuracy (mean ± std over seeds) against the varied flag, log scale. */
export function studyFigure(study: Study, title?: string): string {
  const { results } = study;
  if (!results.length) throw new Error('studyFigure: no results');
  const first = results[0];
  const xs = study.vary.values.map(Number);
  if (xs.some((v) => !(v > 0))) throw new Error(`studyFigure: ${study.vary.flag} values must be positive numbers`);
  const series = first.runs.map(({ id }) => ({
    id,
    points: results.map((result, i) => {
      const { mean, std } = meanStd(result.rows.filter((r) => r.method === id).map((r) => 100 * r.testAccuracy));
      return { x: xs[i], y: mean, err: std };
    }),
  }));
  const fixed =
    (study.vary.flag === 'subset' ? '' : `, ${first.config.trainSubset.toLocaleString('en')} training samples`) +
    (['epochs', 'steps', 'subset', 'batch'].includes(study.vary.flag) ? '' : `, ${first.steps.toLocaleString('en')} steps`);
  return linePlot({
    title: title ?? `${first.config.dataset}: ${first.student.id}${fixed}`,
    xLabel: AXIS[study.vary.flag] ?? `${study.vary.flag} (log scale)`,
    yLabel: `test accuracy (%), mean ± std of ${first.seeds.length} seeds`,
    xLog: true,
    ticks: xs,
    series,
    teacher: 100 * first.teacher.testAccuracy,
    markers: true,
  });
}

/** A run's test accuracy at each evaluation, averaged over the seeds. */
function meanCurve(result: ExperimentResult, id: string): { epoch: number; testAccuracy: number }[] {
  const curves = result.curves.filter((c) => c.run === id);
  return curves[0]?.points.map((p, i) => ({ epoch: p.epoch, testAccuracy: meanStd(curves.map((c) => c.points[i].testAccuracy)).mean })) ?? [];
}

/** An experiment: test accuracy at each evaluation, mean over seeds, against the epoch. */
export function curvesFigure(result: ExperimentResult, title?: string): string {
  const series = result.runs.map(({ id }) => ({ id, points: meanCurve(result, id).map((p) => ({ x: p.epoch, y: 100 * p.testAccuracy })) }));
  const last = Math.max(...series.flatMap((s) => s.points.map((p) => p.x)));
  const step = last <= 10 ? 1 : last <= 50 ? 5 : last <= 100 ? 10 : 50;
  const ticks = Array.from({ length: Math.floor(last / step) + 1 }, (_, i) => i * step).filter((t) => t > 0 || step === 1);
  return linePlot({
    title: title ?? `${result.label}: test ${result.task === 'detection' ? 'AP' : 'accuracy'} during training (mean of ${result.seeds.length} seeds)`,
    xLabel: `epoch (${result.steps.toLocaleString('en')} steps in all)`,
    yLabel: result.task === 'detection' ? 'test AP@[.5:.95] × 100' : 'test accuracy (%)',
    xLog: false,
    ticks,
    series,
    teacher: 100 * result.teacher.testAccuracy,
    markers: false,
  });
}

/** The first epoch from which `run`'s mean test accuracy stays above `other`'s, or null. */
export function passedAt(result: ExperimentResult, run: string, other: string): number | null {
  const a = meanCurve(result, run);
  const b = meanCurve(result, other);
  if (!a.length || a.length !== b.length) return null;
  let from: number | null = null;
  for (let i = 0; i < a.length; i++) {
    if (a[i].testAccuracy > b[i].testAccuracy) from ??= a[i].epoch;
    else from = null;
  }
  return from;
}
