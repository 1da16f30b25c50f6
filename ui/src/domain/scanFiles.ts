// Files chosen or dropped for import: which belong together as a
// dual-energy pair, by the same rule as the vehicle's watch folder
// (crates/kordon-vehicle/src/watch.rs `pair_role`): NAME_high with NAME_low
// (also _he/_le and -high/-low, any case) in the same folder.

export interface ScanFiles {
  path: string;
  /** The low-energy half of a pair. */
  low: string | null;
}

const SUFFIXES: readonly [string, boolean][] = [
  ["_high", true],
  ["-high", true],
  ["_he", true],
  ["_low", false],
  ["-low", false],
  ["_le", false],
];

export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function folderOf(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i < 0 ? "" : path.slice(0, i);
}

/** `[folder + stem without the energy suffix, true high | false low | null single]`. */
export function pairRole(path: string): [string, boolean | null] {
  const name = baseName(path);
  const dot = name.lastIndexOf(".");
  const stem = (dot > 0 ? name.slice(0, dot) : name).toLowerCase();
  for (const [suffix, high] of SUFFIXES) {
    if (stem.endsWith(suffix)) return [`${folderOf(path)}\n${stem.slice(0, -suffix.length)}`, high];
  }
  return [`${folderOf(path)}\n${stem}`, null];
}

/** Pairs up high and low halves; everything else is imported on its own, in the order given. */
export function pairScanFiles(paths: readonly string[]): ScanFiles[] {
  const cleaned = [...new Set(paths.map((p) => p.trim()).filter((p) => p !== ""))];
  const used = new Set<string>();
  const out: ScanFiles[] = [];
  for (const p of cleaned) {
    if (used.has(p)) continue;
    const [key, high] = pairRole(p);
    const partner =
      high === null
        ? undefined
        : cleaned.find((q) => q !== p && !used.has(q) && pairRole(q)[0] === key && pairRole(q)[1] === !high);
    used.add(p);
    if (partner === undefined) {
      out.push({ path: p, low: null });
    } else {
      used.add(partner);
      out.push(high === true ? { path: p, low: partner } : { path: partner, low: p });
    }
  }
  return out;
}

/** Paths typed or pasted into one field: separated by ";" or new lines. */
export function splitPaths(text: string): string[] {
  return text
    .split(/[;\n]/)
    .map((s) => s.trim().replace(/^"(.*)"$/, "$1"))
    .filter((s) => s !== "");
}

/** The optional pixel size field: null when empty, "invalid" when not a positive number. */
export function parsePixelMm(text: string): number | null | "invalid" {
  const s = text.trim().replace(",", ".");
  if (s === "") return null;
  const n = Number(s);
  return Number.isFinite(n) && n > 0 && n < 1000 ? n : "invalid";
}
