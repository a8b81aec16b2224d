/**
 * @module Charts of results, drawn with uPlot (a small, fast canvas chart library): a
 * histogram and a line chart. Each is a figure with a caption and a text summary beside the
 * canvas, so the numbers are there for everyone. uPlot styles its elements through CSSOM,
 * which the app's CSP (no inline style attributes) allows.
 */
import type { ComponentChildren, RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Height of every chart, CSS pixels; the width follows the page. */
const CHART_HEIGHT = 220;
/** Narrowest a chart is drawn, so axes stay readable on a phone. */
const CHART_WIDTH_MIN = 260;
/** Series colours, distinguishable in light and dark themes and for common colour blindness (Okabe–Ito). */
export const CHART_COLORS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00'];

/** Draws `build()`'s chart into the returned element's ref, redrawing when `deps` change. */
function usePlot(build: (width: number) => { opts: uPlot.Options; data: uPlot.AlignedData }, deps: unknown[]) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = () => Math.max(CHART_WIDTH_MIN, el.clientWidth);
    const { opts, data } = build(width());
    const plot = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: CHART_HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
    // `build` is a new closure every render; `deps` says when its chart changes.
  }, deps);
  return box;
}

const axis = (label: string): uPlot.Axis => ({ label, stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.25)' }, ticks: { stroke: 'rgba(128,128,128,0.4)' } });

interface FigureProps {
  testid: string;
  title: string;
  children?: ComponentChildren;
}

function Figure({ testid, title, children, box }: FigureProps & { box: RefObject<HTMLDivElement> }) {
  return (
    <figure class="chart" data-testid={testid}>
      <figcaption>{title}</figcaption>
      <div class="chart-canvas" ref={box} />
      {children}
    </figure>
  );
}

/** A histogram with bins [edges[i], edges[i+1]); bars stand at the bin centres. */
export function HistogramChart({ testid, title, xLabel, edges, counts, children }: FigureProps & { xLabel: string; edges: number[]; counts: number[] }) {
  const box = usePlot(
    (width) => ({
      opts: {
        width,
        height: CHART_HEIGHT,
        legend: { show: false },
        scales: { x: { time: false } },
        axes: [axis(xLabel), axis('members')],
        series: [{}, { label: 'members', stroke: CHART_COLORS[0], fill: `${CHART_COLORS[0]}99`, points: { show: false }, paths: uPlot.paths.bars!({ size: [0.95, Infinity], align: 0 }) }],
      },
      data: [counts.map((_, i) => (edges[i]! + edges[i + 1]!) / 2), counts],
    }),
    [edges.join(), counts.join(), xLabel],
  );
  return (
    <Figure testid={testid} title={title} box={box}>
      {children}
    </Figure>
  );
}

export interface LineSeries {
  label: string;
  values: (number | null)[];
  dash?: boolean;
}

/** Lines over one x axis; null values are gaps. */
export function LineChart({ testid, title, xLabel, yLabel, x, series, children }: FigureProps & { xLabel: string; yLabel: string; x: number[]; series: LineSeries[] }) {
  const box = usePlot(
    (width) => ({
      opts: {
        width,
        height: CHART_HEIGHT,
        scales: { x: { time: false } },
        axes: [axis(xLabel), axis(yLabel)],
        series: [{ label: xLabel }, ...series.map((s, i) => ({ label: s.label, stroke: CHART_COLORS[i % CHART_COLORS.length], width: 2, ...(s.dash ? { dash: [6, 4] } : {}) }))],
      },
      data: [x, ...series.map((s) => s.values)] as uPlot.AlignedData,
    }),
    [JSON.stringify([x, series]), xLabel, yLabel],
  );
  return (
    <Figure testid={testid} title={title} box={box}>
      {children}
    </Figure>
  );
}
