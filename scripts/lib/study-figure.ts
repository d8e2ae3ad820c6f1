// A study's figure as a standalone SVG, drawn from its results (never by hand): final test
// accuracy against the varied flag (log scale: budgets, learning rates and sample counts
// are compared by ratios), one line per run with a ±1 standard deviation bar at each value,
// and the teacher's accuracy as a dashed reference. Colours are the page's (Okabe–Ito).
import { RUN_LABEL, runColour } from '../../src/app/palette';
import { meanStd } from './experiment-report';
import type { Study } from './study-render';

const AXIS: Record<string, string> = {
  epochs: 'training budget (epochs, log scale; each point a complete run)',
  steps: 'training budget (steps, log scale; each point a complete run)',
  lr: 'learning rate (log scale)',
  subset: 'training samples (log scale)',
};

const W = 640;
const H = 400;
const M = { left: 56, right: 96, top: 40, bottom: 48 };
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function studyFigure(study: Study, title?: string): string {
  const { results } = study;
  if (!results.length) throw new Error('studyFigure: no results');
  const first = results[0];
  const runs = first.runs.map((r) => r.id);
  const points = runs.map((id) => ({
    id,
    at: results.map((result, i) => ({ epochs: Number(study.vary.values[i]), ...meanStd(result.rows.filter((r) => r.method === id).map((r) => 100 * r.testAccuracy)) })),
  }));
  const teacher = 100 * first.teacher.testAccuracy;
  const epochs = study.vary.values.map(Number);
  if (epochs.some((e) => !(e > 0))) throw new Error(`studyFigure: ${study.vary.flag} values must be positive numbers`);
  const values = points.flatMap((p) => p.at.flatMap((a) => [a.mean - a.std, a.mean + a.std])).concat(teacher);
  const yMin = Math.max(0, Math.floor(Math.min(...values) / 10) * 10);
  const yMax = Math.min(100, Math.ceil(Math.max(...values) / 10) * 10);
  const [xLo, xHi] = [Math.log(Math.min(...epochs)), Math.log(Math.max(...epochs))];
  const x = (e: number) => M.left + (xHi === xLo ? 0.5 : (Math.log(e) - xLo) / (xHi - xLo)) * (W - M.left - M.right);
  const y = (v: number) => M.top + (1 - (v - yMin) / (yMax - yMin)) * (H - M.top - M.bottom);
  const parts: string[] = [];
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  const fixed = study.vary.flag === 'subset' ? '' : `, ${first.config.trainSubset.toLocaleString('en')} training samples`;
  const heading = title ?? `${first.config.dataset}: ${first.student.id}${fixed}`;
  parts.push(`<text x="${M.left}" y="22" font-size="14" font-weight="600">${escape(heading)}</text>`);
  for (let v = yMin; v <= yMax; v += yMax - yMin > 40 ? 10 : 5) {
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${M.left - 6}" y="${(y(v) + 4).toFixed(1)}" font-size="11" text-anchor="end">${v}</text>`);
  }
  for (const e of epochs) {
    parts.push(`<line x1="${x(e).toFixed(1)}" x2="${x(e).toFixed(1)}" y1="${H - M.bottom}" y2="${H - M.bottom + 4}" stroke="#333"/>`);
    parts.push(`<text x="${x(e).toFixed(1)}" y="${H - M.bottom + 17}" font-size="11" text-anchor="middle">${e}</text>`);
  }
  parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#333"/>`);
  parts.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 10}" font-size="12" text-anchor="middle">${escape(AXIS[study.vary.flag] ?? `${study.vary.flag} (log scale)`)}</text>`);
  parts.push(`<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" font-size="12" text-anchor="middle">test accuracy (%), mean ± std of ${first.seeds.length} seeds</text>`);
  parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(teacher).toFixed(1)}" y2="${y(teacher).toFixed(1)}" stroke="#000" stroke-dasharray="5 4"/>`);
  parts.push(`<text x="${W - M.right + 6}" y="${(y(teacher) + 4).toFixed(1)}" font-size="11">teacher ${teacher.toFixed(1)}</text>`);
  const ends = points.map((p) => ({ id: p.id, y: y(p.at.at(-1)!.mean) })).sort((a, b) => a.y - b.y);
  for (let i = 1; i < ends.length; i++) ends[i].y = Math.max(ends[i].y, ends[i - 1].y + 13);
  for (const [i, p] of points.entries()) {
    const colour = runColour(p.id);
    const dx = (i - (points.length - 1) / 2) * 3; // a small offset keeps overlapping bars apart
    const path = p.at.map((a, j) => `${j ? 'L' : 'M'}${(x(a.epochs) + dx).toFixed(1)},${y(a.mean).toFixed(1)}`).join('');
    parts.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const a of p.at) {
      const cx = (x(a.epochs) + dx).toFixed(1);
      parts.push(`<line x1="${cx}" x2="${cx}" y1="${y(a.mean - a.std).toFixed(1)}" y2="${y(a.mean + a.std).toFixed(1)}" stroke="${colour}"/>`);
      parts.push(`<circle cx="${cx}" cy="${y(a.mean).toFixed(1)}" r="3" fill="${colour}"/>`);
    }
    const end = ends.find((e) => e.id === p.id)!;
    parts.push(`<text x="${W - M.right + 6}" y="${(end.y + 4).toFixed(1)}" font-size="12" fill="${colour}" font-weight="600">${escape(RUN_LABEL[p.id] ?? p.id)}</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif">\n${parts.join('\n')}\n</svg>\n`;
}
