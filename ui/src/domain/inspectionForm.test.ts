import { describe, expect, it } from "vitest";
import { EMPTY_FORM, toNewInspection, validateForm, type FormValues } from "./inspectionForm.ts";

const form = (over: Partial<FormValues>): FormValues => ({ ...EMPTY_FORM, ...over });

describe("validateForm", () => {
  it("an empty form cannot be sent: the tractor plate is required", () => {
    const s = validateForm(EMPTY_FORM);
    expect(s.tractor).toEqual({ state: "empty" });
    expect(s.canSubmit).toBe(false);
  });

  it("a tractor plate alone is enough, and its canonical form is shown", () => {
    const s = validateForm(form({ tractor: "АА 1234 ВС" }));
    expect(s.tractor).toEqual({ state: "valid", canonical: "AA1234BC" });
    expect(s.canSubmit).toBe(true);
  });

  it("a bad plate blocks sending and says which character is wrong", () => {
    const s = validateForm(form({ tractor: "AA 12;34" }));
    expect(s.tractor).toEqual({ state: "invalid", error: { kind: "bad_character", ch: ";" } });
    expect(s.canSubmit).toBe(false);
    expect(validateForm(form({ tractor: "AA1234BC", trailer: "X!" })).canSubmit).toBe(false);
  });

  it("container fields are checked live, and only complete valid codes can be sent", () => {
    const typing = validateForm(form({ tractor: "AA1234BC", containers: ["CSQU30"] }));
    expect(typing.containers[0]?.check).toEqual({ kind: "incomplete", code: "CSQU30", length: 6 });
    expect(typing.canSubmit).toBe(false);

    const wrong = validateForm(form({ tractor: "AA1234BC", containers: ["CSQU3054384"] }));
    expect(wrong.containers[0]?.check).toMatchObject({ kind: "wrong_check_digit", expected: 3 });
    expect(wrong.canSubmit).toBe(false);

    const right = validateForm(form({ tractor: "AA1234BC", containers: ["csqu 305438 3", ""] }));
    expect(right.containers.map((c) => c.check.kind)).toEqual(["valid", "empty"]);
    expect(right.canSubmit).toBe(true);
  });

  it("the same container twice is flagged on the second field", () => {
    const s = validateForm(form({ tractor: "AA1234BC", containers: ["CSQU3054383", "CSQU 305438-3"] }));
    expect(s.containers.map((c) => c.duplicate)).toEqual([false, true]);
    expect(s.canSubmit).toBe(false);
  });

  it("limits the declaration to 64 characters without control characters, and notes to 20000", () => {
    expect(validateForm(form({ tractor: "A1", declaration: "D".repeat(64) })).declaration).toEqual({ state: "ok" });
    expect(validateForm(form({ tractor: "A1", declaration: "D".repeat(65) })).declaration).toEqual({
      state: "too_long",
      max: 64,
    });
    expect(validateForm(form({ tractor: "A1", declaration: "UA\u0007" })).declaration).toEqual({
      state: "control_chars",
    });
    expect(validateForm(form({ tractor: "A1", notes: "n".repeat(20_001) })).canSubmit).toBe(false);
  });
});

describe("toNewInspection", () => {
  it("sends canonical container codes, trimmed fields and nulls for empty optional ones", () => {
    expect(
      toNewInspection(
        form({ tractor: " АА 1234 ВС ", containers: ["", "msku 907032-3"], declaration: "  ", notes: "Seal intact" }),
      ),
    ).toEqual({
      tractor_plate: "АА 1234 ВС",
      trailer_plate: null,
      containers: ["MSKU9070323"],
      declaration: null,
      location: { place: null, lat: null, lon: null },
      notes: "Seal intact",
    });
  });

  it("gives nothing while the form is invalid", () => {
    expect(toNewInspection(form({ tractor: "AA1234BC", containers: ["CSQU3054384"] }))).toBeNull();
  });
});
