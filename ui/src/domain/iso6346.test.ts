import { describe, expect, it } from "vitest";
import { checkContainerCode, checkDigit, letterValue, normaliseContainerCode, parseContainerCode } from "./iso6346.ts";

describe("ISO 6346 letter values", () => {
  it("skip multiples of eleven, as in container.rs", () => {
    expect(letterValue("A")).toBe(10);
    expect(letterValue("B")).toBe(12);
    expect(letterValue("K")).toBe(21);
    expect(letterValue("L")).toBe(23);
    expect(letterValue("U")).toBe(32);
    expect(letterValue("V")).toBe(34);
    expect(letterValue("Z")).toBe(38);
  });
});

describe("checkContainerCode", () => {
  it("accepts real codes (the ones container.rs tests)", () => {
    for (const code of ["CSQU3054383", "MSKU9070323", "TGHU7599834", "BICU1234565"]) {
      expect(checkContainerCode(code)).toEqual({ kind: "valid", code });
    }
  });

  it("accepts spaces, dashes, slashes and lower case as Rust does", () => {
    expect(checkContainerCode("cs qu 305438-3")).toEqual({ kind: "valid", code: "CSQU3054383" });
    expect(parseContainerCode("msku 907032/3")).toBe("MSKU9070323");
    expect(normaliseContainerCode("\u00a0tghu\t759983-4 ")).toBe("TGHU7599834");
  });

  it("refuses a wrong check digit and says which one is expected", () => {
    expect(checkContainerCode("CSQU3054384")).toEqual({
      kind: "wrong_check_digit",
      code: "CSQU3054384",
      found: 4,
      expected: 3,
    });
  });

  it("reports an incomplete code while it is typed", () => {
    expect(checkContainerCode("")).toEqual({ kind: "empty" });
    expect(checkContainerCode(" - ")).toEqual({ kind: "empty" });
    expect(checkContainerCode("CSQ")).toEqual({ kind: "incomplete", code: "CSQ", length: 3 });
    expect(checkContainerCode("CSQU305438")).toEqual({ kind: "incomplete", code: "CSQU305438", length: 10 });
  });

  it("reports a bad character as soon as it is typed", () => {
    expect(checkContainerCode("C5")).toMatchObject({ kind: "bad_owner" });
    expect(checkContainerCode("CSQ3")).toMatchObject({ kind: "bad_owner" });
    expect(checkContainerCode("CSQX")).toEqual({ kind: "bad_category", code: "CSQX", category: "X" });
    expect(checkContainerCode("CSQU30A")).toMatchObject({ kind: "bad_digits" });
  });

  it("refuses the malformed codes container.rs refuses", () => {
    expect(checkContainerCode("CSQX3054383")).toMatchObject({ kind: "bad_category", category: "X" });
    expect(checkContainerCode("C5QU3054383")).toMatchObject({ kind: "bad_owner" });
    expect(checkContainerCode("CSQU30543A3")).toMatchObject({ kind: "bad_digits" });
    expect(checkContainerCode("CSQU305438X")).toMatchObject({ kind: "bad_digits" });
    // A Cyrillic look-alike is not an owner-code letter.
    expect(checkContainerCode("ЦSQU3054383")).toMatchObject({ kind: "bad_owner" });
    expect(checkContainerCode("СSQU3054383")).toMatchObject({ kind: "bad_owner" });
    expect(checkContainerCode("CSQU30543833")).toEqual({ kind: "too_long", code: "CSQU30543833", length: 12 });
  });

  it("accepts every computed check digit and refuses every other final digit", () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for (let k = 0; k < 300; k++) {
      let first = "";
      for (let i = 0; i < 3; i++) first += letters[rnd(26)];
      first += "UJZ"[rnd(3)];
      for (let i = 0; i < 6; i++) first += String(rnd(10));
      const good = checkDigit(first);
      expect(checkContainerCode(`${first}${good}`).kind).toBe("valid");
      for (let d = 0; d < 10; d++) {
        if (d !== good) expect(checkContainerCode(`${first}${d}`).kind).toBe("wrong_check_digit");
      }
    }
  });
});
