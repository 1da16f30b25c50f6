// One Chart.js chart on a canvas: made in an effect from its configuration,
// destroyed when the configuration changes or the chart leaves the page.
// Only the pieces the statistics page draws are registered (bars, doughnut,
// category and linear scales, tooltip, legend), so the bundle keeps to them.
// Where there is no 2D context (jsdom, in tests) nothing is drawn and
// nothing fails; the label still says what the chart shows.

import { ArcElement, BarController, BarElement, CategoryScale, Chart, DoughnutController, Legend, LinearScale, Tooltip, type ChartConfiguration, type ChartType } from "chart.js";
import { useEffect, useRef, type CSSProperties, type ReactNode } from "react";

Chart.register(BarController, BarElement, DoughnutController, ArcElement, CategoryScale, LinearScale, Tooltip, Legend);

// The dark theme's muted text and lines (styles.css --muted, --line).
Chart.defaults.color = "#a9b1bb";
Chart.defaults.borderColor = "#2c3139";

export function StatsChart<TType extends ChartType, TData, TLabel>(props: {
  /** Made once per chart: a new object draws the chart again. */
  config: ChartConfiguration<TType, TData, TLabel>;
  /** What the chart shows, for screen readers. */
  label: string;
  testId: string;
  className: string;
  /** The box's height when not the stylesheet's (a chart that grows with its rows). */
  height?: string;
}): ReactNode {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { config } = props;
  useEffect(() => {
    const el = canvas.current;
    if (el === null) return undefined;
    const context = el.getContext("2d");
    if (context === null) return undefined;
    // The page's own font (a canvas does not inherit it).
    Chart.defaults.font.family = getComputedStyle(el).fontFamily;
    const chart = new Chart<TType, TData, TLabel>(context, config);
    return () => chart.destroy();
  }, [config]);
  const style: CSSProperties | undefined = props.height === undefined ? undefined : { height: props.height };
  return (
    <div className={`c-st-chart ${props.className}`} style={style} data-testid={props.testId}>
      <canvas ref={canvas} role="img" aria-label={props.label} />
    </div>
  );
}
