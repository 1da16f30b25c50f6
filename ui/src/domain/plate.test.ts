import { describe, expect, it } from "vitest";
import { canonicalPlate, matchKey, parsePlate, plateKeyOf } from "./plate.ts";

describe("parsePlate", () => {
  it("gives Cyrillic and Latin spellings one canonical form (plate.rs)", () => {
    const cyr = parsePlate("АА 1234 ВС");
    const lat = parsePlate("aa-1234-bc");
    expect(cyr).toEqual({ ok: true, plate: { raw: "АА 1234 ВС", canonical: "AA1234BC", key: "AA12348C" } });
    expect(lat.ok && lat.plate.canonical).toBe("AA1234BC");
  });

  it("maps every Cyrillic look-alike to its Latin twin", () => {
    expect(canonicalPlate("АВЕІКМНОРСТХУ")).toBe("ABEIKMHOPCTXY");
    expect(canonicalPlate("авеікмнорстху")).toBe("ABEIKMHOPCTXY");
  });

  it("keeps other Cyrillic letters (they are not look-alikes)", () => {
    expect(canonicalPlate("ЖД 12")).toBe("ЖД12");
  });

  it("drops spaces, dashes, dots and middle dots; trims the raw read", () => {
    expect(canonicalPlate(" ka·00.21-xp ")).toBe("KA0021XP");
    const r = parsePlate("  КА 0021 ХР ");
    expect(r.ok && r.plate.raw).toBe("КА 0021 ХР");
  });

  it("folds OCR confusions into the key only", () => {
    const a = parsePlate("BO1234OI");
    const b = parsePlate("8012340I");
    expect(a.ok && b.ok && a.plate.canonical !== b.plate.canonical).toBe(true);
    expect(a.ok && b.ok && a.plate.key === b.plate.key).toBe(true);
    expect(matchKey("OQDILBSZG")).toBe("000118526");
    expect(plateKeyOf("во 1734 оа")).toBe("8017340A");
  });

  it("refuses what plate.rs refuses", () => {
    expect(parsePlate("  - ")).toEqual({ ok: false, error: { kind: "empty" } });
    expect(parsePlate("AA12;34")).toEqual({ ok: false, error: { kind: "bad_character", ch: ";" } });
    expect(parsePlate("A".repeat(17))).toEqual({ ok: false, error: { kind: "too_long", length: 17 } });
    expect(parsePlate("A".repeat(16)).ok).toBe(true);
    // Upper case adds a combining mark: refused, as in Rust.
    expect(parsePlate("AA1ῇ")).toEqual({ ok: false, error: { kind: "bad_character", ch: "ῇ" } });
  });

  it("re-parses its canonical form to itself", () => {
    for (const raw of ["АА 1234 ВС", "bo1734oa", "ВН 9975 ТО", "straße 1"]) {
      const r = parsePlate(raw);
      if (!r.ok) throw new Error(raw);
      const again = parsePlate(r.plate.canonical);
      expect(again.ok && again.plate.canonical).toBe(r.plate.canonical);
      expect(again.ok && again.plate.key).toBe(r.plate.key);
    }
  });
});
