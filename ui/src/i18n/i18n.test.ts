import { describe, expect, it } from "vitest";
import { en } from "./en.ts";
import { LANGUAGES, paramNames, type MessageKey } from "./messages.ts";
import { createTranslator, TABLES } from "./translate.ts";

const keys = Object.keys(en) as MessageKey[];

describe("message tables", () => {
  it.each(LANGUAGES)("%s has every key, each non-empty, and no others", (lang) => {
    const table: Readonly<Record<string, unknown>> = TABLES[lang];
    for (const k of keys) {
      const v = table[k];
      expect(typeof v, `${lang} ${k}`).toBe("string");
      expect(String(v).trim(), `${lang} ${k}`).not.toBe("");
    }
    expect(Object.keys(table).sort()).toEqual([...keys].sort());
  });

  it.each(LANGUAGES)("%s uses the same {parameters} as English", (lang) => {
    for (const k of keys) {
      expect(paramNames(TABLES[lang][k]), `${lang} ${k}`).toEqual(paramNames(en[k]));
    }
  });

  it("Ukrainian is really translated (not English copied over)", () => {
    const words = (s: string): string => s.replace(/\{[^{}]+\}/g, "");
    const same = keys.filter(
      (k) => !k.startsWith("kbd.") && TABLES.uk[k] === en[k] && /[A-Za-z]{4,}/.test(words(en[k])),
    );
    // Key names (kbd.*), the product name and language names stay as they are.
    expect(same).toEqual(["app.name", "settings.lang.en"]);
  });
});

describe("t", () => {
  it("fills parameters and formats numbers per language", () => {
    expect(createTranslator("en").t("sync.recordsPending", { count: 12345 })).toBe("Records to send: 12,345");
    // Ukrainian groups digits with a (narrow) no-break space.
    expect(createTranslator("uk").t("sync.recordsPending", { count: 12345 })).toMatch(/^Записів до надсилання: 12\s345$/u);
  });

  it("switches language by translator", () => {
    expect(createTranslator("en").t("nav.queue")).toBe("Inspections");
    expect(createTranslator("uk").t("nav.queue")).toBe("Огляди");
  });

  it("formats dates in the given time zone, each language its way", () => {
    const ms = Date.UTC(2026, 10, 24, 12, 5, 9);
    const enT = createTranslator("en", { timeZone: "Europe/Kyiv" });
    const ukT = createTranslator("uk", { timeZone: "Europe/Kyiv" });
    expect(enT.dateTime(ms)).toBe("24 Nov 2026, 14:05:09");
    expect(ukT.dateTime(ms)).toMatch(/^24 лист\. 2026 р\., 14:05:09$/u);
    expect(enT.time(ms)).toBe("14:05");
  });

  it("formats byte counts in decimal units", () => {
    const enT = createTranslator("en");
    expect(enT.bytes(0)).toBe("0 bytes");
    expect(enT.bytes(1)).toBe("1 byte");
    expect(enT.bytes(48_000_780)).toBe("48 MB");
    expect(enT.bytes(1_250_000_000)).toBe("1.3 GB");
    expect(createTranslator("uk").bytes(48_500_000)).toMatch(/^48,5\sМБ$/u);
  });
});
