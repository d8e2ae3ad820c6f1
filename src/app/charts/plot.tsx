// The project's own SVG plots. Each series is one <path> (bars of one colour too), so a
// redraw touches a handful of DOM nodes whatever the number of points or classes, where a
// charting library's redraw held the main thread past the 50 ms goal while the worker trained
// (ARCHITECTURE.md, Charts).
import { useId, useMemo, useState, type ReactNode } from 'react';
import { useSession } from '../store/session-store';
import { LARGE_GROW, useChartSlot } from './chart-slot';
import { labelStride, margins, textWidth, usePlotBox, niceTicks, extent, scale, defaultFormat, linePath, dotsPath, MARGIN } from './plot-scale';

export interface Series {
  id: string;
  label: string;
  colour: string;
  points: { x: number; y: number }[];
  dash?: string;
  width?: number;
  /** Dots at the points (for sparse series such as per-epoch evaluations). */
  dots?: boolean;
  /** No line, dots only. */
  dotsOnly?: boolean;
  axis?: 'left' | 'right';
  /** Filled area down to the previous stacked series (stacked areas). */
  stack?: boolean;
  /** Left out of the legend (a second style of a series already listed). */
  noLegend?: boolean;
  /** A shaded band around the line (a run's spread over seeds), at the points' x. */
  band?: { x: number; lo: number; hi: number }[];
  /** Stroke opacity (one seed's line under its mean). */
  opacity?: number;
}

export interface Axis {
  domain?: [number, number];
  log?: boolean;
  label?: string;
  format?: (value: number) => string;
}

/**
 * What both plots share around their SVG: the figure, an area of the given height (its
 * width measured), the SVG reporting the pointer's x in pixels from its left edge, what
 * lies over the area (a read-out), and what follows it (a legend).
 */
function PlotShell({
  label,
  width,
  height,
  areaRef,
  onPointerX,
  onLeave,
  overlay,
  legend,
  children,
}: {
  label: string;
  width: number;
  height: number;
  areaRef: React.RefObject<HTMLDivElement | null>;
  onPointerX: (px: number) => void;
  onLeave: () => void;
  overlay?: ReactNode;
  legend?: ReactNode;
  children: ReactNode;
}) {
  return (
    <figure className="plot" aria-label={label}>
      <div ref={areaRef} className="plot-area" style={{ height }}>
        {width > 0 ? (
          <svg
            width={width}
            height={height}
            role="img"
            aria-label={label}
            onPointerMove={(e) => onPointerX(e.clientX - e.currentTarget.getBoundingClientRect().left)}
            onPointerLeave={onLeave}
          >
            {children}
          </svg>
        ) : null}
        {overlay}
      </div>
      {legend}
    </figure>
  );
}

/** Grid lines, the left axis's tick labels and the axis titles shared by both plots. */
function Frame(props: {
  width: number;
  height: number;
  m: typeof MARGIN;
  right: number;
  ticks: number[];
  sy: (v: number) => number;
  y: Axis;
  xLabel?: string;
  children?: ReactNode;
}) {
  const { width, height, right, ticks, sy, m } = props;
  const text = m.top / MARGIN.top;
  return (
    <>
      <g className="grid">
        {ticks.map((t) => (
          <line key={t} x1={m.left} x2={width - right} y1={sy(t)} y2={sy(t)} />
        ))}
      </g>
      <g className="axis">
        {ticks.map((t) => (
          <text key={t} x={m.left - 4 * text} y={sy(t)} dy="0.32em" textAnchor="end">
            {(props.y.format ?? defaultFormat)(t)}
          </text>
        ))}
        {props.y.label ? (
          <text x={10 * text} y={m.top + 2} className="axis-label" transform={`rotate(-90 ${10 * text} ${m.top + 2})`} textAnchor="end">
            {props.y.label}
          </text>
        ) : null}
        {props.xLabel ? (
          <text x={width - right} y={height - 2} className="axis-label" textAnchor="end">
            {props.xLabel}
          </text>
        ) : null}
        {props.children}
      </g>
    </>
  );
}

export function Legend({ items }: { items: { label: string; colour: string; dash?: string }[] }) {
  return (
    <ul className="legend">
      {items.map((item) => (
        <li key={item.label}>
          <svg width="18" height="8" viewBox="0 0 18 8" preserveAspectRatio="none" aria-hidden="true">
            <line x1="0" y1="4" x2="18" y2="4" stroke={item.colour} strokeWidth="2.5" strokeDasharray={item.dash} />
          </svg>
          {item.label}
        </li>
      ))}
    </ul>
  );
}

/** Where tick labels must end to stay clear of the x axis title that ends at `right` (the right edge when there is none). */
function clearOfTitle(title: string | undefined, right: number, px: number): number {
  return title ? right - textWidth(title, px) - px / 2 : right + px;
}

/**
 * A plot's width, margins and height: the height asked for, grown with the page's type (the
 * presentation view) and in the presentation view's large slot; margins grown with the axis type.
 */
function usePlotGeometry(baseHeight: number) {
  const present = useSession((s) => s.present);
  const slot = useChartSlot();
  const [ref, box] = usePlotBox(present);
  const grow = present && slot.large ? LARGE_GROW : 1;
  return { ref, box, width: box.width, m: margins(box.text), height: Math.round(baseHeight * box.size * grow) };
}

/**
 * Lines (and stacked areas) over a numeric x axis, with a left and an optional right y
 * axis, reference lines, a legend, and a read-out of every series at the pointer.
 */
export function LinePlot(props: {
  series: Series[];
  height: number;
  x: Axis & { ticks?: number[]; tickLabel?: (value: number) => string };
  y: Axis;
  right?: Axis;
  references?: { y: number; label: string; colour?: string }[];
  /** Shaded x ranges behind the series (a schedule's phases), each labelled at its top. */
  bands?: { from: number; to: number; colour: string; label: string }[];
  label: string;
  children?: ReactNode;
}) {
  const { ref, box, width, m, height } = usePlotGeometry(props.height);
  const [hover, setHover] = useState<number | null>(null);
  const { series } = props;
  // The axes' settings as plain values: a caller's new but equal axis object redraws nothing.
  const [x0, x1] = props.x.domain ?? [];
  const [y0, y1] = props.y.domain ?? [];
  const [r0, r1] = props.right?.domain ?? [];
  const yLog = !!props.y.log;
  const hasRight = !!props.right;
  const rightLog = !!props.right?.log;
  const plot = useMemo(() => {
    const m = margins(box.text);
    const fixed = (lo: number | undefined, hi: number | undefined): [number, number] | undefined =>
      lo === undefined || hi === undefined ? undefined : [lo, hi];
    const innerRight = hasRight ? m.right + 34 * box.text : m.right;
    const xs = series.flatMap((s) => s.points.map((p) => p.x));
    const xDomain = fixed(x0, x1) ?? extent(xs, [0, 1]);
    const sx = scale(xDomain, [m.left, Math.max(width - innerRight, m.left + 10)]);
    // Stacked areas: each point's y becomes the running total.
    const stackedBase = new Map<number, number>();
    const drawn = series.map((s) => {
      if (!s.stack) return { ...s, base: null as null | { x: number; y: number }[] };
      const base = s.points.map((p) => ({ x: p.x, y: stackedBase.get(p.x) ?? 0 }));
      const points = s.points.map((p) => {
        const top = (stackedBase.get(p.x) ?? 0) + (Number.isFinite(p.y) ? p.y : 0);
        stackedBase.set(p.x, top);
        return { x: p.x, y: top };
      });
      return { ...s, points, base };
    });
    const yFor = (axis: 'left' | 'right', spec: Axis | undefined) => {
      const values = drawn
        .filter((s) => (s.axis ?? 'left') === axis)
        .flatMap((s) => [...s.points.map((p) => p.y), ...(s.band ?? []).flatMap((b) => [b.lo, b.hi])]);
      const domain =
        spec?.domain ?? (spec?.log ? ([1e-9, 1] as [number, number]) : extent([...values, ...(drawn.some((s) => s.stack) ? [0] : [])], [0, 1]));
      const ticks = spec?.log
        ? Array.from(
            { length: Math.floor(Math.log10(domain[1])) - Math.ceil(Math.log10(domain[0])) + 1 },
            (_, i) => 10 ** (Math.ceil(Math.log10(domain[0])) + i),
          ).filter((_, i, all) => all.length <= 6 || i % 2 === (all.length - 1) % 2)
        : niceTicks(domain[0], domain[1], 4);
      const [lo, hi] = spec?.log || spec?.domain ? domain : [Math.min(domain[0], ticks[0]), Math.max(domain[1], ticks.at(-1)!)];
      return { sy: scale([lo, hi], [height - m.bottom, m.top], spec?.log), ticks: ticks.filter((t) => t >= lo && t <= hi) };
    };
    return {
      sx,
      xDomain,
      left: yFor('left', { domain: fixed(y0, y1), log: yLog }),
      right: hasRight ? yFor('right', { domain: fixed(r0, r1), log: rightLog }) : null,
      drawn,
      innerRight,
    };
  }, [series, width, height, box.text, x0, x1, y0, y1, yLog, hasRight, r0, r1, rightLog]);

  const { sx, left, right, drawn, xDomain, innerRight } = plot;
  const clipId = `plot-clip${useId().replace(/:/g, '')}`;
  const xLabel = props.x.tickLabel ?? defaultFormat;
  const { ticks: fixedTicks, label: xTitle } = props.x;
  const xTicks = useMemo(() => {
    const ticks = fixedTicks ?? niceTicks(xDomain[0], xDomain[1], Math.max(2, Math.floor(width / (90 * box.text))));
    // Thinned by their measured width: no two labels touch, whatever the type size.
    const slot = Math.min(...ticks.slice(1).map((t, i) => Math.abs(sx(t) - sx(ticks[i]))));
    const stride = ticks.length > 1 ? labelStride(ticks.map(xLabel), slot, box.axisPx) : 1;
    // A label that would run into the axis title (bottom right) is left out.
    const titleLeft = clearOfTitle(xTitle, width - innerRight, box.axisPx);
    return ticks.filter((t, i) => i % stride === 0 && sx(t) + textWidth(xLabel(t), box.axisPx) / 2 < titleLeft);
  }, [fixedTicks, xDomain, width, box.text, box.axisPx, sx, xLabel, xTitle, innerRight]);
  const legend = series.filter((s) => !s.noLegend).map((s) => ({ label: s.label, colour: s.colour, dash: s.dash }));
  const readout = useMemo(() => {
    if (hover === null) return null;
    const rows = series
      .map((s) => {
        let best: { x: number; y: number } | null = null;
        for (const p of s.points) if (!best || Math.abs(p.x - hover) < Math.abs(best.x - hover)) best = p;
        const band = best && s.band?.find((b) => b.x === best!.x);
        return best ? { label: s.label, colour: s.colour, x: best.x, y: best.y, band } : null;
      })
      .filter((r): r is NonNullable<typeof r> => r !== null);
    return rows;
  }, [hover, series]);

  return (
    <PlotShell
      label={props.label}
      width={width}
      height={height}
      areaRef={ref}
      onPointerX={(px) => {
        const value = xDomain[0] + ((px - m.left) / (width - innerRight - m.left)) * (xDomain[1] - xDomain[0]);
        setHover(Math.min(Math.max(value, xDomain[0]), xDomain[1]));
      }}
      onLeave={() => setHover(null)}
      overlay={
        <>
          {readout?.length ? (
            <div className="readout" role="status">
              {readout.map((r) => (
                <div key={r.label}>
                  <span className="swatch" style={{ background: r.colour }} /> {r.label}: {xLabel(r.x)} →{' '}
                  {Number.isFinite(r.y) ? (props.y.log ? r.y.toExponential(2) : defaultFormat(r.y)) : '–'}
                  {r.band ? ` (${defaultFormat(r.band.lo)} … ${defaultFormat(r.band.hi)})` : ''}
                </div>
              ))}
            </div>
          ) : null}
          {props.children}
        </>
      }
      legend={<Legend items={legend} />}
    >
      <Frame width={width} height={height} m={m} right={innerRight} ticks={left.ticks} sy={left.sy} y={props.y} xLabel={props.x.label}>
        {right?.ticks.map((t) => (
          <text key={`r${t}`} x={width - innerRight + 4} y={right.sy(t)} dy="0.32em" textAnchor="start">
            {(props.right?.format ?? defaultFormat)(t)}
          </text>
        ))}
        {xTicks.map((t) => (
          <text key={`x${t}`} x={sx(t)} y={height - m.bottom + 14 * box.text} textAnchor="middle">
            {xLabel(t)}
          </text>
        ))}
      </Frame>
      {props.bands?.map((b, i) => (
        <g key={`band${i}`} className="band">
          <rect
            x={sx(b.from)}
            y={m.top}
            width={Math.max(sx(b.to) - sx(b.from), 0)}
            height={height - m.top - m.bottom}
            fill={b.colour}
            fillOpacity={0.13}
          />
          <text x={(sx(b.from) + sx(b.to)) / 2} y={m.top + 10 * box.text} textAnchor="middle">
            {b.label}
          </text>
        </g>
      ))}
      {props.references?.map((r) => (
        <g key={r.label} className="reference">
          <line x1={m.left} x2={width - innerRight} y1={left.sy(r.y)} y2={left.sy(r.y)} stroke={r.colour ?? '#000'} strokeDasharray="2 4" />
          <text x={width - innerRight - 2} y={left.sy(r.y) - 3} textAnchor="end">
            {r.label}
          </text>
        </g>
      ))}
      {/* Series are clipped to the plot area: a zoomed axis leaves some outside it. */}
      <clipPath id={clipId}>
        <rect x={m.left} y={m.top - 2} width={Math.max(0, width - innerRight - m.left)} height={height - m.top - m.bottom + 4} />
      </clipPath>
      <g clipPath={`url(#${clipId})`}>
        {drawn.map((s) => {
          const sy = (s.axis ?? 'left') === 'right' && right ? right.sy : left.sy;
          if (s.base) {
            const top = linePath(s.points, sx, sy);
            const bottom = linePath([...s.base].reverse(), sx, sy).replace(/^M/, 'L');
            return <path key={s.id} d={top && `${top}${bottom}Z`} fill={s.colour} fillOpacity={0.35} stroke={s.colour} strokeWidth={1} />;
          }
          const band = s.band?.length
            ? `${linePath(
                s.band.map((b) => ({ x: b.x, y: b.hi })),
                sx,
                sy,
              )}${linePath(
                [...s.band].reverse().map((b) => ({ x: b.x, y: b.lo })),
                sx,
                sy,
              ).replace(/^M/, 'L')}Z`
            : null;
          return (
            <g key={s.id}>
              {band ? <path className="seed-band" d={band} fill={s.colour} fillOpacity={0.16} stroke="none" /> : null}
              {s.dotsOnly ? null : (
                <path
                  d={linePath(s.points, sx, sy)}
                  fill="none"
                  stroke={s.colour}
                  strokeWidth={s.width ?? 1.5}
                  strokeDasharray={s.dash}
                  strokeOpacity={s.opacity}
                />
              )}
              {s.dots || s.dotsOnly ? <path d={dotsPath(s.points, sx, sy)} fill={s.colour} /> : null}
            </g>
          );
        })}
      </g>
      {hover !== null ? <line className="hover-line" x1={sx(hover)} x2={sx(hover)} y1={m.top} y2={height - m.bottom} /> : null}
    </PlotShell>
  );
}

/**
 * Bars over categories (one <path> per colour), with thinned category labels and a
 * read-out of the bar under the pointer.
 */
export function BarPlot(props: {
  bars: { label: string; value: number; colour: string; detail?: string }[];
  height: number;
  y: Axis;
  xLabel?: string;
  label: string;
}) {
  const { ref, box, width, m, height } = usePlotGeometry(props.height);
  const [hover, setHover] = useState<number | null>(null);
  const { bars } = props;
  const layout = useMemo(() => {
    const domain = props.y.domain ?? extent([0, ...bars.map((b) => b.value)], [0, 1]);
    const ticks = niceTicks(domain[0], domain[1], 4);
    const top = props.y.domain ? domain[1] : Math.max(domain[1], ticks.at(-1)!);
    const sy = scale([domain[0], top], [height - m.bottom, m.top]);
    const band = (width - m.left - m.right) / Math.max(bars.length, 1);
    const gap = bars.length > 30 ? 0 : band * 0.15;
    const byColour = new Map<string, string>();
    // Bars start at 0 when 0 is on the axis (signed values such as a gradient), else at the bottom.
    const base = sy(Math.min(Math.max(0, domain[0]), top)).toFixed(1);
    bars.forEach((b, i) => {
      if (!Number.isFinite(b.value)) return;
      const x = m.left + i * band + gap / 2;
      const y = sy(Math.max(b.value, domain[0]));
      const d = `M${x.toFixed(1)},${base}V${y.toFixed(1)}h${Math.max(band - gap, 0.5).toFixed(2)}V${base}Z`;
      byColour.set(b.colour, (byColour.get(b.colour) ?? '') + d);
    });
    // Category labels thinned by their measured width (class names at a projector's type size too).
    const every = labelStride(
      bars.map((b) => b.label),
      band,
      box.axisPx,
    );
    return { sy, ticks: ticks.filter((t) => t <= top), band, paths: [...byColour.entries()], every };
  }, [bars, width, height, m.left, m.right, m.top, m.bottom, box.axisPx, props.y.domain]);
  const shown = hover !== null ? bars[hover] : null;
  // A category label is left out where it would run into the y axis's labels (left) or the x axis title (right).
  const titleLeft = clearOfTitle(props.xLabel, width - m.right, box.axisPx);
  const labelFits = (centre: number, labelWidth: number) => centre - labelWidth / 2 > m.left - 4 * box.text && centre + labelWidth / 2 < titleLeft;
  return (
    <PlotShell
      label={props.label}
      width={width}
      height={height}
      areaRef={ref}
      onPointerX={(px) => {
        const i = Math.floor((px - m.left) / layout.band);
        setHover(i >= 0 && i < bars.length ? i : null);
      }}
      onLeave={() => setHover(null)}
      overlay={
        shown ? (
          <div className="readout" role="status">
            {shown.label}: {defaultFormat(shown.value)}
            {shown.detail ? ` (${shown.detail})` : ''}
          </div>
        ) : null
      }
    >
      <Frame width={width} height={height} m={m} right={m.right} ticks={layout.ticks} sy={layout.sy} y={props.y} xLabel={props.xLabel}>
        {bars.map((b, i) =>
          i % layout.every === 0 && labelFits(m.left + (i + 0.5) * layout.band, textWidth(b.label, box.axisPx)) ? (
            <text key={`x${i}`} x={m.left + (i + 0.5) * layout.band} y={height - m.bottom + 14 * box.text} textAnchor="middle">
              {b.label}
            </text>
          ) : null,
        )}
      </Frame>
      {layout.paths.map(([colour, d]) => (
        <path key={colour} d={d} fill={colour} />
      ))}
      {hover !== null ? (
        <rect className="hover-bar" x={m.left + hover * layout.band} y={m.top} width={layout.band} height={height - m.top - m.bottom} />
      ) : null}
    </PlotShell>
  );
}
