import { describe, expect, it } from "vitest";
import { decodeQrPixels } from "./qrImage.ts";
import svg from "./testdata/enroll-qr.svg?raw";
import tokenFile from "./testdata/enroll-qr.txt?raw";

// A QR code exactly as kordon-server draws it (`kordon-server enroll --qr`,
// from a throwaway server), with the token it was made for.
const token = tokenFile.trim();

/** The SVG's dark squares (`M x y h s v s H x V y`) drawn black on white, 1 px per unit. */
function raster(doc: string, rotate = false): ImageData {
  const side = Number(/width="(\d+)"/.exec(doc)?.[1]);
  const data = new Uint8ClampedArray(side * side * 4).fill(255);
  const path = /<path[^>]* d="([^"]+)"/.exec(doc)?.[1] ?? "";
  for (const m of path.matchAll(/M(\d+) (\d+)h(\d+)v(\d+)/g)) {
    const [x0, y0, w, h] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
    for (let y = y0; y < y0 + h; y++) {
      for (let x = x0; x < x0 + w; x++) {
        const [px, py] = rotate ? [side - 1 - y, x] : [x, y];
        const i = (py * side + px) * 4;
        data[i] = data[i + 1] = data[i + 2] = 0;
      }
    }
  }
  const image: ImageData = { data, width: side, height: side, colorSpace: "srgb" };
  return image;
}

describe("reading an enrollment token's QR code", () => {
  it("reads the token from the server's QR code, upright or turned", () => {
    expect(token.startsWith("KORDON1-")).toBe(true);
    expect(decodeQrPixels(raster(svg))).toBe(token);
    expect(decodeQrPixels(raster(svg, true))).toBe(token);
  });

  it("finds nothing in an image without a QR code", () => {
    const side = 200;
    const blank: ImageData = { data: new Uint8ClampedArray(side * side * 4).fill(255), width: side, height: side, colorSpace: "srgb" };
    expect(decodeQrPixels(blank)).toBeNull();
  });
});
