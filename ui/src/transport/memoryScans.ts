// Scan helpers of the IN-MEMORY TRANSPORT (development and tests only):
// what Rust would report about a scan's pyramid, and made-up scan entries
// for "imported" files, which are never read.

import { demoStats, dziMaxLevel } from "./demoTiles.ts";
import { TransportError } from "./errors.ts";
import { SCAN_FILE_EXTENSIONS } from "./generated.ts";
import type { InspectionView, Scan, ScanInfo } from "./types.ts";


/** The file name of a path (either separator). */
export function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** A stable 64-hex-digit stand-in for a BLAKE3 hash (not a real hash). */
export function fakeHash(text: string): string {
  let out = "";
  let h = 0x811c9dc5;
  for (let round = 0; out.length < 64; round++) {
    for (const ch of `${round}:${text}`) {
      h ^= ch.codePointAt(0) ?? 0;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    out += h.toString(16).padStart(8, "0");
  }
  return out.slice(0, 64);
}

/** ScanInfo as Rust reports it, from the scan's primary image. */
export function scanInfoOf(scan: Scan): ScanInfo {
  const primary = scan.images.find((im) => im.energy !== "low") ?? scan.images[0];
  if (primary === undefined) throw new TransportError("not_found", `scan ${scan.id} has no images`);
  const planes = scan.images.length > 1 ? 2 : 1;
  return {
    id: scan.id,
    width: primary.width,
    height: primary.height,
    tile_size: 256,
    max_level: dziMaxLevel(primary.width, primary.height),
    planes,
    bits: primary.bits,
    pixel_mm: scan.pixel_mm,
    stats: demoStats(planes, primary.bits),
  };
}

/**
 * Refuses what Rust would refuse before storing anything: not an image by
 * its extension; and, so development can see a failure, any file whose name
 * says it is damaged.
 */
export function checkImportPath(path: string): void {
  const name = fileName(path);
  const ext = name.includes(".") ? (name.split(".").pop() ?? "").toLowerCase() : "";
  if (path.trim() === "") throw new TransportError("invalid_input", "no file given");
  if (!(SCAN_FILE_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new TransportError("invalid_input", `${name}: not a TIFF, PNG, JPEG, DICONDE or raw image`);
  }
  if (/damaged|corrupt|truncated/i.test(name)) {
    throw new TransportError("invalid_input", `${name}: the image is damaged or truncated`);
  }
}

/** The format a file's extension names, as the scan record spells it. */
function formatOf(path: string): string {
  const lower = path.toLowerCase();
  if (lower.endsWith(".png")) return "png";
  if (/\.jpe?g$/.test(lower)) return "jpeg";
  if (/\.(dcm|dicom)$/.test(lower)) return "diconde";
  if (lower.endsWith(".raw")) return "raw";
  return "tiff";
}

/** A made-up scan entry for imported files (6000 × 2000, 16-bit). */
export function importedScan(
  path: string,
  low: string | null,
  details: { pixel_mm: number | null; scanner: string | null; now: number; officer: string },
): Scan {
  const image = (p: string, energy: "single" | "high" | "low") => ({
    blob: fakeHash(p),
    size: 24_000_390,
    width: 6000,
    height: 2000,
    bits: 16,
    channels: 1,
    format: formatOf(p),
    energy,
  });
  const images = low === null ? [image(path, "single")] : [image(path, "high"), image(low, "low")];
  return {
    id: images[0]?.blob ?? fakeHash(path),
    images,
    name: fileName(path),
    scanner: details.scanner,
    captured_ms: null,
    pixel_mm: details.pixel_mm,
    added_ms: details.now,
    added_by: details.officer,
  };
}

/** Same vehicle: a tractor or trailer plate key in common, or a container code. */
export function sameVehicle(a: InspectionView, b: InspectionView): boolean {
  const keys = (v: InspectionView): string[] =>
    [v.tractor_plate?.key, v.trailer_plate?.key].filter((k): k is string => k !== undefined && k !== "");
  const bKeys = keys(b);
  if (keys(a).some((k) => bKeys.includes(k))) return true;
  return a.containers.some((c) => b.containers.includes(c));
}
