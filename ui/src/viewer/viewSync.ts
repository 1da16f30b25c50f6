// Moving two viewers together (the side-by-side comparison): each viewer
// publishes its bounds, the others follow unless they are already there,
// which also stops the echo.

import type { Bounds } from "./engine.ts";

export function boundsClose(a: Bounds, b: Bounds, tolerance = 1e-4): boolean {
  const scale = Math.max(a.w, b.w, 1e-9);
  return (
    Math.abs(a.x - b.x) / scale < tolerance &&
    Math.abs(a.y - b.y) / scale < tolerance &&
    Math.abs(a.w - b.w) / scale < tolerance &&
    Math.abs(a.h - b.h) / scale < tolerance
  );
}

export class ViewSync {
  private readonly members = new Map<symbol, (b: Bounds) => void>();
  enabled = false;

  /** Turns following on or off. */
  setEnabled(on: boolean): void {
    this.enabled = on;
  }

  join(follow: (b: Bounds) => void): { publish: (b: Bounds) => void; leave: () => void } {
    const me = Symbol("viewer");
    this.members.set(me, follow);
    return {
      publish: (b) => {
        if (!this.enabled) return;
        for (const [who, f] of this.members) if (who !== me) f(b);
      },
      leave: () => {
        this.members.delete(me);
      },
    };
  }
}
