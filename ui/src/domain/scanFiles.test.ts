import { describe, expect, it } from "vitest";
import type { ImportEvent } from "../transport/types.ts";
import { applyImportEvent, type ImportEntry } from "./importLog.ts";
import { pairRole, pairScanFiles, parsePixelMm, splitPaths } from "./scanFiles.ts";

describe("dual-energy pairs, as the watch folder pairs them", () => {
  it("recognises the suffixes in any case, like Rust's pair_role", () => {
    expect(pairRole("/s/TRK_0042_high.tif")).toEqual(["/s\ntrk_0042", true]);
    expect(pairRole("TRK_0042_LE.TIFF")).toEqual(["\ntrk_0042", false]);
    expect(pairRole("scan-low.png")).toEqual(["\nscan", false]);
    expect(pairRole("highway.tif")).toEqual(["\nhighway", null]);
  });

  it("pairs high with low in the same folder, high first; the rest go alone", () => {
    expect(
      pairScanFiles(["/d/A_low.tif", "/d/B.png", "/d/A_HIGH.tif", "/e/C_he.tif", "/f/C_le.tif", "C:\\s\\D-high.tif", "C:\\s\\d-LOW.tif"]),
    ).toEqual([
      { path: "/d/A_HIGH.tif", low: "/d/A_low.tif" },
      { path: "/d/B.png", low: null },
      { path: "/e/C_he.tif", low: null },
      { path: "/f/C_le.tif", low: null },
      { path: "C:\\s\\D-high.tif", low: "C:\\s\\d-LOW.tif" },
    ]);
  });

  it("does not pair two highs, and ignores repeats and blanks", () => {
    expect(pairScanFiles(["/a_high.tif", "/a_he.tif", " ", "/a_high.tif"])).toEqual([
      { path: "/a_high.tif", low: null },
      { path: "/a_he.tif", low: null },
    ]);
  });

  it("splits typed paths and reads the pixel size", () => {
    expect(splitPaths(' "/a b/x_high.tif" ; /c/x_low.tif\n\n')).toEqual(["/a b/x_high.tif", "/c/x_low.tif"]);
    expect([parsePixelMm(""), parsePixelMm(" 5 "), parsePixelMm("6,25"), parsePixelMm("0"), parsePixelMm("abc")]).toEqual([
      null,
      5,
      6.25,
      "invalid",
      "invalid",
    ]);
  });
});

describe("import log", () => {
  const ev = (file: string, stage: ImportEvent["stage"], error: ImportEvent["error"] = null): ImportEvent => ({
    file,
    stage,
    inspection: "i",
    scan: stage === "done" ? "s" : null,
    error,
  });

  it("keeps one line per running file and shows its outcome, newest first", () => {
    let log: ImportEntry[] = [];
    log = applyImportEvent(log, ev("a.tif", "started"));
    log = applyImportEvent(log, ev("b.tif", "started"));
    log = applyImportEvent(log, ev("a.tif", "failed", { code: "invalid_input", message: "damaged" }));
    expect(log.map((e) => [e.file, e.stage])).toEqual([
      ["a.tif", "failed"],
      ["b.tif", "started"],
    ]);
    expect(log[0]?.error?.message).toBe("damaged");
    log = applyImportEvent(log, ev("a.tif", "started"));
    expect(log.map((e) => [e.file, e.stage])).toEqual([
      ["a.tif", "started"],
      ["a.tif", "failed"],
      ["b.tif", "started"],
    ]);
  });

  it("when full, drops the oldest finished lines, never a running one", () => {
    let log: ImportEntry[] = [];
    log = applyImportEvent(log, ev("run.tif", "started"), 3);
    for (const f of ["x", "y", "z"]) {
      log = applyImportEvent(log, ev(f, "started"), 3);
      log = applyImportEvent(log, ev(f, "done"), 3);
    }
    expect(log.map((e) => e.file)).toEqual(["z", "y", "run.tif"]);
  });
});
