// A small line chart in SVG for the training pages: figures per attempt,
// one place on the x axis per attempt in the order they were taken (two on
// the same day stay apart), labelled with the day each was started, in the
// statistics charts' colours (muted axis text, the theme's lines). Each
// point is an element of its own (`chart-point`, with the attempt, the line
// and the value as data attributes and its figure as a tooltip), so what
// the chart shows can be read and tested without drawing; no canvas, and
// nothing to load.

import type { ReactNode } from "react";
import type { ChartPoint } from "./training.ts";

// The dark theme's muted text and lines (styles.css --muted, --line), as the statistics charts have them.
const MUTED = "#a9b1bb";
const LINE = "#2c3139";
const ZERO = "#6b7480";

const W = 640;
const H = 220;
const M = { left: 44, right: 14, top: 12, bottom: 26 };

export interface ChartLine {
  key: string;
  label: string;
  colour: string;
  points: readonly ChartPoint[];
}

export function TrainingChart(props: {
  lines: readonly ChartLine[];
  /** How many places the x axis has (the attempts charted). */
  slots: number;
  /** The places labelled, and each one's label. */
  xTicks: readonly { index: number; label: string }[];
  y: { min: number; max: number; ticks: readonly number[]; format: (v: number) => string };
  /** A point's tooltip. */
  pointTitle: (line: ChartLine, p: ChartPoint) => string;
  /** What the chart shows, for screen readers. */
  label: string;
  testId: string;
}): ReactNode {
  const { lines, y } = props;
  // Half a place's width either side, so the first and last points are clear of the edges; one attempt in the middle.
  const width = W - M.left - M.right;
  const x = (i: number): number => M.left + (props.slots <= 1 ? width / 2 : (width * (i + 0.5)) / props.slots);
  const yOf = (v: number): number => H - M.bottom - ((v - y.min) / Math.max(1e-9, y.max - y.min)) * (H - M.top - M.bottom);
  const r = (n: number): number => Math.round(n * 10) / 10;
  return (
    <div className="c-tr-chart" data-testid={props.testId}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.label} className="c-tr-svg">
        <g fontSize={11} fill={MUTED}>
          {y.ticks.map((v) => (
            <g key={`y${v}`}>
              <line x1={M.left} x2={W - M.right} y1={r(yOf(v))} y2={r(yOf(v))} stroke={v === 0 && y.min < 0 ? ZERO : LINE} strokeDasharray={v === 0 && y.min < 0 ? "4 3" : undefined} />
              <text x={M.left - 6} y={r(yOf(v))} textAnchor="end" dominantBaseline="middle">
                {y.format(v)}
              </text>
            </g>
          ))}
          {props.xTicks.map((tick) => (
            <g key={`x${tick.index}`}>
              <line x1={r(x(tick.index))} x2={r(x(tick.index))} y1={H - M.bottom} y2={H - M.bottom + 4} stroke={LINE} />
              <text x={r(x(tick.index))} y={H - M.bottom + 16} textAnchor="middle">
                {tick.label}
              </text>
            </g>
          ))}
          <line x1={M.left} x2={W - M.right} y1={H - M.bottom} y2={H - M.bottom} stroke={LINE} />
        </g>
        {lines.map((l) => (
          <g key={l.key} data-series={l.key}>
            {l.points.length > 1 ? (
              <polyline points={l.points.map((p) => `${r(x(p.index))},${r(yOf(p.value))}`).join(" ")} fill="none" stroke={l.colour} strokeWidth={2} strokeLinejoin="round" />
            ) : null}
            {l.points.map((p) => (
              <circle
                key={p.id}
                cx={r(x(p.index))}
                cy={r(yOf(p.value))}
                r={4}
                fill={l.colour}
                stroke="#14171b"
                strokeWidth={1.5}
                data-testid="chart-point"
                data-series={l.key}
                data-attempt={p.id}
                data-value={p.value}
                data-ms={p.ms}
              >
                <title>{props.pointTitle(l, p)}</title>
              </circle>
            ))}
          </g>
        ))}
      </svg>
      {lines.length > 1 ? (
        <ul className="c-tr-legend">
          {lines.map((l) => (
            <li key={l.key}>
              <span className="c-tr-swatch" style={{ background: l.colour }} aria-hidden="true" />
              {l.label}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
