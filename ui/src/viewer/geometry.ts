// Shapes in full-resolution image pixels: rectangles from a drag in any
// direction, free-hand paths simplified before they are stored, and the
// mapping from image pixels to the viewer element (no rotation, so it is a
// scale and an offset on each axis).

import type { Shape } from "../transport/types.ts";

export interface Point {
  x: number;
  y: number;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The free-hand mark's size limit after simplification. */
export const MAX_FREE_POINTS = 500;

/** A rectangle from two corners, whichever way the drag went. */
export function normalizeRect(a: Point, b: Point): Rect {
  return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), w: Math.abs(b.x - a.x), h: Math.abs(b.y - a.y) };
}

/** The point moved inside the image (0..width, 0..height). */
export function clampToImage(p: Point, size: { width: number; height: number }): Point {
  return { x: Math.min(Math.max(p.x, 0), size.width), y: Math.min(Math.max(p.y, 0), size.height) };
}

/** Rounds to 0.1 px: finer than any scanner resolves, and short in the record. */
export const roundPoint = (p: Point): Point => ({ x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 });

function distanceToSegment(p: Point, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  if (len2 === 0) return Math.hypot(p.x - a.x, p.y - a.y);
  const t = Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2));
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/** Ramer–Douglas–Peucker: drops points closer than `tolerance` to the simplified line. */
export function rdp(points: readonly Point[], tolerance: number): Point[] {
  if (points.length <= 2) return [...points];
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  const stack: [number, number][] = [[0, points.length - 1]];
  while (stack.length > 0) {
    const [first, last] = stack.pop() ?? [0, 0];
    const a = points[first];
    const b = points[last];
    if (a === undefined || b === undefined) continue;
    let worst = -1;
    let index = -1;
    for (let i = first + 1; i < last; i++) {
      const p = points[i];
      if (p === undefined) continue;
      const d = distanceToSegment(p, a, b);
      if (d > worst) {
        worst = d;
        index = i;
      }
    }
    if (index !== -1 && worst > tolerance) {
      keep[index] = 1;
      stack.push([first, index], [index, last]);
    }
  }
  return points.filter((_, i) => keep[i] === 1);
}

/**
 * A free-hand path ready to store: consecutive duplicates dropped, RDP with
 * `tolerance` (image pixels), and the tolerance doubled until at most `max` points are left.
 */
export function simplifyPath(points: readonly Point[], tolerance: number, max = MAX_FREE_POINTS): Point[] {
  const deduped = points.filter((p, i) => {
    const prev = points[i - 1];
    return prev === undefined || prev.x !== p.x || prev.y !== p.y;
  });
  let tol = Math.max(tolerance, 1e-6);
  let out = rdp(deduped, tol);
  while (out.length > max) {
    tol *= 2;
    out = rdp(deduped, tol);
  }
  return out.map(roundPoint);
}

/** x' = sx·x + tx, y' = sy·y + ty. */
export interface Affine {
  sx: number;
  sy: number;
  tx: number;
  ty: number;
}

/**
 * The image → element mapping from a projection function (the viewer's
 * imageToViewerElementCoordinates), sampled at the origin and the far corner.
 */
export function affineOf(project: (p: Point) => Point, size: { width: number; height: number }): Affine {
  const o = project({ x: 0, y: 0 });
  const c = project({ x: size.width, y: size.height });
  return {
    sx: size.width === 0 ? 1 : (c.x - o.x) / size.width,
    sy: size.height === 0 ? 1 : (c.y - o.y) / size.height,
    tx: o.x,
    ty: o.y,
  };
}

export const applyAffine = (m: Affine, p: Point): Point => ({ x: m.sx * p.x + m.tx, y: m.sy * p.y + m.ty });

export const invertAffine = (m: Affine, p: Point): Point => ({ x: (p.x - m.tx) / m.sx, y: (p.y - m.ty) / m.sy });

/** The SVG `transform` that draws image-pixel shapes on the element. */
export const svgMatrix = (m: Affine): string => `matrix(${m.sx} 0 0 ${m.sy} ${m.tx} ${m.ty})`;

/** `points` attribute of an SVG polyline. */
export const svgPoints = (pts: readonly (readonly [number, number])[]): string => pts.map(([x, y]) => `${x},${y}`).join(" ");

/** A shape's bounding box, in image pixels. */
export function shapeBounds(shape: Shape): Rect {
  if (shape.type === "rect") return { x: shape.x, y: shape.y, w: shape.w, h: shape.h };
  const xs = shape.points.map((p) => p[0]);
  const ys = shape.points.map((p) => p[1]);
  const [x, y] = [Math.min(...xs), Math.min(...ys)];
  return { x, y, w: Math.max(...xs) - x, h: Math.max(...ys) - y };
}

/** The middle of a shape's bounding box, in image pixels. */
export function shapeCenter(shape: Shape): Point {
  const b = shapeBounds(shape);
  return { x: b.x + b.w / 2, y: b.y + b.h / 2 };
}

export type Corner = "top-left" | "top-right" | "bottom-left" | "bottom-right";

/** The corner of an element farthest from a point in it: where a form covers the least of what is near the point. */
export function cornerAwayFrom(p: Point, size: { width: number; height: number }): Corner {
  const v = p.y < size.height / 2 ? "bottom" : "top";
  const h = p.x < size.width / 2 ? "right" : "left";
  return `${v}-${h}`;
}
