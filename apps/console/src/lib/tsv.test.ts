import { describe, expect, it } from "vitest";
import { PASTE_MAX_ROWS, PasteTooLargeError, parseTsv, toTsv } from "./tsv";

describe("parseTsv", () => {
  it("splits rows and columns and ignores the trailing newline Excel adds", () => {
    expect(parseTsv("a\tb\tc\r\n1\t2\t3\r\n")).toEqual([
      ["a", "b", "c"],
      ["1", "2", "3"],
    ]);
  });

  it("keeps tabs, newlines and doubled quotes inside quoted cells", () => {
    const excel = 'Title\t"Line one\nLine two"\t"He said ""hi"""\n"tab\there"\t5\t""""\n';
    expect(parseTsv(excel)).toEqual([
      ["Title", "Line one\nLine two", 'He said "hi"'],
      ["tab\there", "5", '"'],
    ]);
  });

  it("treats a quote that does not wrap the whole cell as a literal character", () => {
    expect(parseTsv('12" screen\t"quoted" tail\n')).toEqual([['12" screen', '"quoted" tail']]);
  });

  it("keeps the quotes of a cell a spreadsheet would not have quoted", () => {
    // Excel quotes a cell only when it holds a tab, newline or quote (doubling inner quotes), and
    // Google Sheets leaves a cell with quotes but no line break as it is. So `"Hello"` on the
    // clipboard is a cell whose text is `"Hello"`: Excel would have written `"""Hello"""`.
    expect(parseTsv('"Hello"\t"5"\t""\n"""Hello"""\t"a ""b"""\n')).toEqual([
      ['"Hello"', '"5"', '""'],
      ['"Hello"', 'a "b"'],
    ]);
    // A stray opening quote never takes the cells after it along.
    expect(parseTsv('"Hello" world\tX\tY\n"12\t"in"\tZ\n')).toEqual([
      ['"Hello" world', "X", "Y"],
      ['"12', '"in"', "Z"],
    ]);
  });

  it("keeps empty cells and ragged rows", () => {
    expect(parseTsv("a\t\tc\nonly\n\t\n")).toEqual([["a", "", "c"], ["only"], ["", ""]]);
  });

  it("returns nothing for an empty clipboard and a single value for one cell", () => {
    expect(parseTsv("")).toEqual([]);
    expect(parseTsv("42")).toEqual([["42"]]);
  });

  it("refuses blocks larger than the paste bounds instead of freezing", () => {
    const huge = "x\n".repeat(PASTE_MAX_ROWS + 5);
    expect(() => parseTsv(huge)).toThrow(PasteTooLargeError);
  });

  it("round-trips what toTsv writes", () => {
    const block = [
      ["plain", 'with "quotes"', "multi\nline"],
      ["tab\tinside", "", "end"],
    ];
    expect(parseTsv(toTsv(block))).toEqual(block);
  });
});
