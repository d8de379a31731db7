import { describe, expect, it } from "vitest";
import { XmlScanner } from "../src/read/xml-scan";

/** What the scanner reports for a part pushed in the given pieces (text runs joined). */
function events(pieces: string[]): string[] {
  const out: string[] = [];
  const scanner = new XmlScanner({
    open: (name, attrs, selfClosing) =>
      out.push(`open ${name}${attrs}${selfClosing ? " (self-closing)" : ""}`),
    close: (name) => out.push(`close ${name}`),
    text: (data) => {
      const last = out.length - 1;
      if (out[last]?.startsWith("text ")) out[last] += data;
      else out.push(`text ${data}`);
    },
  });
  scanner.capture = true;
  for (const p of pieces) scanner.push(p);
  scanner.end();
  return out;
}

const PART =
  '<?xml version="1.0" encoding="UTF-8"?><!-- a > comment --><sst count="2"><si><t>a &amp; b</t></si>' +
  "<!-- another --><si><t><![CDATA[<b>x]]y</b>]]></t></si><?keep this?><e/></sst>";

describe("xml scanner", () => {
  it("skips declarations, comments and processing instructions and passes CDATA on as text", () => {
    expect(events([PART])).toEqual([
      'open sst count="2"',
      "open si",
      "open t",
      "text a & b",
      "close t",
      "close si",
      "open si",
      "open t",
      "text <b>x]]y</b>",
      "close t",
      "close si",
      "open e (self-closing)",
      "close e",
      "close sst",
    ]);
  });

  it("reports the same whatever piece boundaries cut a comment, a declaration or CDATA", () => {
    const whole = events([PART]);
    for (let cut = 1; cut < PART.length; cut++)
      expect(events([PART.slice(0, cut), PART.slice(cut)]), `cut at ${cut}`).toEqual(whole);
    expect(events([...PART])).toEqual(whole);
  });

  it("refuses CDATA outside the root element and a part that ends inside a comment", () => {
    expect(() => events(["<![CDATA[x]]><r/>"])).toThrow(/CDATA outside the root element/);
    expect(() => events(["<r/><!-- not closed"])).toThrow(/ends before its elements are closed/);
  });
  it("reads a start tag cut anywhere, quotes holding '>' included, and refuses an unclosed one", () => {
    const part = `<r a="x>y" b='1'><c r="A1" s="2"/><t k="&gt;"  >v</t></r>`;
    const whole = events([part]);
    expect(whole[0]).toBe(`open r a="x>y" b='1'`);
    for (let cut = 1; cut < part.length; cut++)
      for (let cut2 = cut + 1; cut2 < part.length; cut2 += 3)
        expect(
          events([part.slice(0, cut), part.slice(cut, cut2), part.slice(cut2)]),
          `cuts at ${cut}, ${cut2}`,
        ).toEqual(whole);
    expect(events([...part])).toEqual(whole);
    expect(() => events(['<r a="1"'])).toThrow(/ends before its elements are closed/);
    expect(() => events(['<r a="1', "<"])).toThrow(/'<' inside an attribute value/);
  });

  it("reads a 3 MB attribute pushed in 1 KiB pieces in linear time, and refuses one past the limit", () => {
    const value = "x".repeat(3 * 1024 * 1024);
    const part = `<r a="${value}"/>`;
    const pieces: string[] = [];
    for (let i = 0; i < part.length; i += 1024) pieces.push(part.slice(i, i + 1024));
    const started = performance.now();
    const opened: string[] = [];
    const scanner = new XmlScanner({
      open: (_n, attrs) => opened.push(attrs),
      close() {},
      text() {},
    });
    for (const p of pieces) scanner.push(p);
    scanner.end();
    // Rescanning the tag from its start at each of the ~3,000 pieces took about 20 s.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(opened).toEqual([` a="${value}"`]);
    const over = new XmlScanner({ open() {}, close() {}, text() {} }, 64 * 1024);
    expect(() => {
      for (const p of pieces.slice(0, 100)) over.push(p);
    }).toThrow(/a tag is too long/);
  });
});
