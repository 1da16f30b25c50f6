// Line icons for tool rails and compact buttons (24 × 24, drawn in the
// current text colour). Always beside words: an aria-label or a title.

import type { ReactNode } from "react";

const PATHS = {
  window: (
    <>
      <circle cx="12" cy="12" r="8" />
      <path d="M12 4a8 8 0 0 1 0 16z" fill="currentColor" />
    </>
  ),
  invert: (
    <>
      <rect x="4" y="4" width="16" height="16" rx="1" />
      <path d="M20 4v16H4z" fill="currentColor" />
    </>
  ),
  materials: (
    <>
      <circle cx="8.5" cy="9" r="4" />
      <circle cx="15.5" cy="9" r="4" />
      <circle cx="12" cy="15.5" r="4" />
    </>
  ),
  edges: <path d="M3 19 9 7l4 7 3-4 5 9z" />,
  colormap: (
    <>
      <rect x="3" y="6" width="18" height="12" rx="1" />
      <path d="M9 6v12M15 6v12" />
      <path d="M9 6h6v12H9z" fill="currentColor" opacity="0.35" />
      <path d="M15 6h6v12h-6z" fill="currentColor" opacity="0.75" />
    </>
  ),
  ruler: (
    <>
      <path d="m3 17 14-14 4 4L7 21z" />
      <path d="m7 13 2 2m1-5 2 2m1-5 2 2" />
    </>
  ),
  rect: <rect x="4" y="6" width="16" height="12" strokeDasharray="3 2.2" />,
  free: <path d="M6 15c-2-3 0-9 6-9s9 3 7 6-6 4-9 4-4 2-2 4" />,
  layer: (
    <>
      <path d="m12 4 9 5-9 5-9-5z" />
      <path d="m3 14 9 5 9-5" />
    </>
  ),
  zoomIn: (
    <>
      <circle cx="10" cy="10" r="6" />
      <path d="m14.5 14.5 5.5 5.5M7 10h6M10 7v6" />
    </>
  ),
  zoomOut: (
    <>
      <circle cx="10" cy="10" r="6" />
      <path d="m14.5 14.5 5.5 5.5M7 10h6" />
    </>
  ),
  home: <path d="M4 9V4h5m6 0h5v5m0 6v5h-5m-6 0H4v-5" />,
  panel: (
    <>
      <rect x="3" y="4" width="18" height="16" rx="1" />
      <path d="M15 4v16" />
    </>
  ),
  keyboard: (
    <>
      <rect x="2" y="6" width="20" height="12" rx="1.5" />
      <path d="M6 10h.01M10 10h.01M14 10h.01M18 10h.01M7 14h10" />
    </>
  ),
  lock: (
    <>
      <rect x="5" y="11" width="14" height="10" rx="1.5" />
      <path d="M8 11V8a4 4 0 0 1 8 0v3M12 15v2" />
    </>
  ),
} as const;

export type IconName = keyof typeof PATHS;

export function Icon(props: { name: IconName; size?: number }): ReactNode {
  const size = props.size ?? 22;
  return (
    <svg
      className="icon"
      viewBox="0 0 24 24"
      width={size}
      height={size}
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {PATHS[props.name]}
    </svg>
  );
}
