// Components take every user-visible word from the message tables. This
// parses each component and fails on words written straight into JSX:
// text between tags, string literals in {…}, and text attributes.

import ts from "typescript";
import { describe, expect, it } from "vitest";

const sources = import.meta.glob<string>(["../**/*.tsx", "!../**/*.test.tsx", "!../test/**"], {
  query: "?raw",
  import: "default",
  eager: true,
});

const TEXT_ATTRIBUTES = new Set(["title", "placeholder", "aria-label", "alt", "label", "aria-description"]);
const WORD = /\p{L}/u;

export function hardCodedText(file: string, source: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const where = (n: ts.Node): string => `${file}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  const visit = (n: ts.Node): void => {
    if (ts.isJsxText(n) && WORD.test(n.text)) {
      found.push(`${where(n)} text "${n.text.trim()}"`);
    } else if (ts.isJsxAttribute(n) && TEXT_ATTRIBUTES.has(n.name.getText(sf))) {
      const init = n.initializer;
      if (init !== undefined && ts.isStringLiteral(init) && WORD.test(init.text)) {
        found.push(`${where(n)} ${n.name.getText(sf)}="${init.text}"`);
      }
    } else if (
      (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) &&
      ts.isJsxExpression(n.parent) &&
      WORD.test(n.text)
    ) {
      found.push(`${where(n)} {"${n.text}"}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

describe("no hard-coded user-visible text in components", () => {
  it("finds the components", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(10);
  });

  it("the check itself catches text, attributes and literals", () => {
    const bad = `export const A = () => <p title="Hello">Saved<b>{"Done"}</b>{t("ok")} ✕ {n}</p>;`;
    expect(hardCodedText("bad.tsx", bad)).toEqual([
      'bad.tsx:1 title="Hello"',
      'bad.tsx:1 text "Saved"',
      'bad.tsx:1 {"Done"}',
    ]);
  });

  it.each(Object.entries(sources))("%s", (file, source) => {
    expect(hardCodedText(file, source)).toEqual([]);
  });
});
