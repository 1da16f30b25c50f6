// Drawn over the image, in full-resolution image pixels mapped onto the
// element (one SVG transform, recomputed as the view moves): the saved
// marks, the page's own shapes, the shape being drawn, the pending shape
// and the ruler.

import type { ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { Annotation, Shape } from "../transport/types.ts";
import { applyAffine, svgMatrix, svgPoints, type Affine, type Point } from "./geometry.ts";
import type { Drawing } from "./usePointerTools.ts";

function ShapeSvg(props: { shape: Shape; className: string }): ReactNode {
  const { shape } = props;
  if (shape.type === "rect") {
    return <rect className={props.className} x={shape.x} y={shape.y} width={shape.w} height={shape.h} vectorEffect="non-scaling-stroke" />;
  }
  return <polygon className={props.className} points={svgPoints(shape.points)} vectorEffect="non-scaling-stroke" />;
}

/** A shape the page draws over the image (a training answer's marks, the item it missed), with its words. */
export interface OverlayShape {
  key: string;
  shape: Shape;
  /** Its class: how it is drawn. */
  className: string;
  label: string;
  /** Its words under it, not above (clear of a mark drawn at the same place). */
  labelBelow?: boolean;
}

function topLeft(shape: Shape): Point {
  if (shape.type === "rect") return { x: shape.x, y: shape.y };
  let x = Infinity;
  let y = Infinity;
  for (const [px, py] of shape.points) {
    x = Math.min(x, px);
    y = Math.min(y, py);
  }
  return { x, y };
}

function bottomLeft(shape: Shape): Point {
  if (shape.type === "rect") return { x: shape.x, y: shape.y + shape.h };
  return { x: topLeft(shape).x, y: Math.max(...shape.points.map((p) => p[1])) };
}

export function ViewerOverlay(props: {
  affine: Affine;
  annotations: readonly Annotation[];
  shapes: readonly OverlayShape[];
  showLayer: boolean;
  drawing: Drawing | null;
  pending: Shape | null;
  ruler: { a: Point; b: Point } | null;
  rulerText: string | null;
}): ReactNode {
  const { t } = useI18n();
  const m = props.affine;
  const d = props.drawing;
  const ruler = d?.kind === "ruler" ? { a: d.a, b: d.b } : props.ruler;
  const rulerEnd = ruler === null ? null : applyAffine(m, ruler.b);
  return (
    <svg className="viewer-overlay" aria-hidden="true">
      <g transform={svgMatrix(m)}>
        {props.showLayer
          ? props.annotations.map((a) => <ShapeSvg key={a.id} shape={a.shape} className={`mark kind-${a.kind}`} />)
          : null}
        {props.showLayer ? props.shapes.map((s) => <ShapeSvg key={s.key} shape={s.shape} className={s.className} />) : null}
        {d?.kind === "rect" ? (
          <ShapeSvg
            shape={{ type: "rect", x: Math.min(d.a.x, d.b.x), y: Math.min(d.a.y, d.b.y), w: Math.abs(d.b.x - d.a.x), h: Math.abs(d.b.y - d.a.y) }}
            className="drawing"
          />
        ) : null}
        {d?.kind === "free" ? (
          <polyline className="drawing" points={svgPoints(d.points.map((p) => [p.x, p.y]))} vectorEffect="non-scaling-stroke" />
        ) : null}
        {props.pending === null ? null : <ShapeSvg shape={props.pending} className="pending" />}
        {ruler === null ? null : (
          <line className="ruler" x1={ruler.a.x} y1={ruler.a.y} x2={ruler.b.x} y2={ruler.b.y} vectorEffect="non-scaling-stroke" />
        )}
      </g>
      {props.showLayer
        ? props.annotations.map((a) => {
            const p = applyAffine(m, topLeft(a.shape));
            return (
              <text key={a.id} className="mark-label" x={p.x + 4} y={p.y - 6}>
                {t(`annotation.kind.${a.kind}`)}
              </text>
            );
          })
        : null}
      {props.showLayer
        ? props.shapes.map((s) => {
            const p = applyAffine(m, s.labelBelow === true ? bottomLeft(s.shape) : topLeft(s.shape));
            return (
              <text key={s.key} className={`mark-label ${s.className}`} x={p.x + 4} y={s.labelBelow === true ? p.y + 18 : p.y - 6}>
                {s.label}
              </text>
            );
          })
        : null}
      {rulerEnd === null || props.rulerText === null ? null : (
        <text className="ruler-label" x={rulerEnd.x + 8} y={rulerEnd.y - 8}>
          {props.rulerText}
        </text>
      )}
    </svg>
  );
}
