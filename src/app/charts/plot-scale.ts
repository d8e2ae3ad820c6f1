// The geometry of the SVG plots: margins, scales (linear and log), ticks, and series as path strings.
import { useLayoutEffect, useRef, useState } from 'react';

export const MARGIN = { top: 8, right: 12, bottom: 26, left: 46 };

/** The width of a container, kept current with a ResizeObserver. */
export function useWidth(): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    setWidth(element.clientWidth);
    const observer = new ResizeObserver(([entry]) => setWidth(Math.round(entry.contentRect.width)));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

/** About `count` round tick values over [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const ticks = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

export function extent(values: number[], fallback: [number, number]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return fallback;
  let min = Math.min(...finite);
  let max = Math.max(...finite);
  // A flat series: around its value, never below 0 for a quantity that is 0 (an empty |gap| or loss chart).
  if (min === max) [min, max] = min === 0 ? [0, 1] : [min - Math.abs(min) / 2, max + Math.abs(max) / 2];
  return [min, max];
}

export function scale(domain: [number, number], range: [number, number], log = false) {
  const [d0, d1] = log ? [Math.log10(domain[0]), Math.log10(domain[1])] : domain;
  const k = (range[1] - range[0]) / (d1 - d0 || 1);
  return (v: number) => range[0] + ((log ? Math.log10(Math.max(v, domain[0])) : v) - d0) * k;
}

export const defaultFormat = (v: number) => (Math.abs(v) >= 1000 ? v.toLocaleString('en') : Number(v.toPrecision(3)).toString());

export function linePath(points: { x: number; y: number }[], sx: (v: number) => number, sy: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (!Number.isFinite(p.y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`;
    pen = true;
  }
  return d;
}

export function dotsPath(points: { x: number; y: number }[], sx: (v: number) => number, sy: (v: number) => number, r = 2.5): string {
  return points
    .filter((p) => Number.isFinite(p.y))
    .map((p) => `M${(sx(p.x) - r).toFixed(1)},${sy(p.y).toFixed(1)}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`)
    .join('');
}
