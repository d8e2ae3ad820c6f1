// The geometry of the SVG plots: margins, scales (linear and log), ticks, and series as path strings.
import { useLayoutEffect, useRef, useState } from 'react';

/** The margins around a plot's area at the base type size (axis text of 10 px). */
export const MARGIN = { top: 8, right: 12, bottom: 26, left: 46 };

/** The axis text and page text sizes the plots' margins and heights are drawn for. */
const BASE_AXIS_PX = 10;
const BASE_ROOT_PX = 15;

/**
 * What a plot is drawn at: its container's width; `text`, its axis type's size over the base
 * (margins and label offsets grow with it); `size`, the page type's size over the base (heights
 * grow with it, so a projected page keeps its proportions); `axisPx`, the axis type in pixels.
 * All 1 on the ordinary page; the presentation view scales them with the viewport.
 */
export interface PlotBox {
  width: number;
  text: number;
  size: number;
  axisPx: number;
}

/** The margins at a type scale. */
export function margins(text: number): typeof MARGIN {
  return { top: MARGIN.top * text, right: MARGIN.right * text, bottom: MARGIN.bottom * text, left: MARGIN.left * text };
}

/**
 * The plot box of a container (its font size is the axis type's, from the stylesheet), kept
 * current with a ResizeObserver and re-read when `typeKey` changes (the presentation view
 * scales the type, not always the width).
 */
export function usePlotBox(typeKey: unknown): [React.RefObject<HTMLDivElement | null>, PlotBox] {
  const ref = useRef<HTMLDivElement>(null);
  const [box, setBox] = useState<PlotBox>({ width: 0, text: 1, size: 1, axisPx: BASE_AXIS_PX });
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const read = (width: number) => {
      const axisPx = parseFloat(getComputedStyle(element).fontSize) || BASE_AXIS_PX;
      const rootPx = parseFloat(getComputedStyle(document.documentElement).fontSize) || BASE_ROOT_PX;
      const next = { width, text: axisPx / BASE_AXIS_PX, size: rootPx / BASE_ROOT_PX, axisPx };
      setBox((old) => (old.width === next.width && old.axisPx === next.axisPx && old.size === next.size ? old : next));
    };
    read(element.clientWidth);
    const observer = new ResizeObserver(([entry]) => read(Math.round(entry.contentRect.width)));
    observer.observe(element);
    return () => observer.disconnect();
  }, [typeKey]);
  return [ref, box];
}

let measureContext: CanvasRenderingContext2D | null | undefined;
const measured = new Map<string, number>();

/**
 * The width in pixels of `text` set in the page's font at `px` (a canvas measures it; where
 * there is none, 0.6 em a character). Labels are thinned by it, so they never run together.
 */
export function textWidth(text: string, px: number): number {
  const key = `${px}|${text}`;
  const known = measured.get(key);
  if (known !== undefined) return known;
  if (measureContext === undefined) measureContext = typeof document === 'undefined' ? null : document.createElement('canvas').getContext('2d');
  let width = 0.6 * px * text.length;
  if (measureContext) {
    measureContext.font = `${px}px ${getComputedStyle(document.documentElement).fontFamily}`;
    width = measureContext.measureText(text).width;
  }
  if (measured.size > 5000) measured.clear();
  measured.set(key, width);
  return width;
}

/**
 * Every how many labels to show so that none touches the next: labels `slot` pixels apart,
 * the widest plus an em of space fits in `stride` slots.
 */
export function labelStride(labels: string[], slot: number, px: number): number {
  if (!labels.length || !(slot > 0)) return 1;
  let widest = 0;
  for (const label of labels) widest = Math.max(widest, textWidth(label, px));
  return Math.max(1, Math.ceil((widest + px) / slot));
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
