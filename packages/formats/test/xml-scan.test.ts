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
});
