import { FormatError } from "../errors";

/**
 * A small pull scanner for the XML parts of an xlsx (sheets, shared strings, workbook, styles).
 * It reads text pushed in pieces, reports start tags (with their attributes as written), end tags
 * and character data, and holds at most one unfinished tag or text run between pieces, so memory
 * stays bounded however large the part is. It checks what a spreadsheet part needs to be sound:
 * names, nesting, entities and the characters XML allows; DTDs are refused (no entity expansion).
 *
 * Unlike a conforming XML parser it keeps a carriage return inside text as written instead of
 * turning CRLF into LF: writers put raw CRLF in cells, and the seller expects it back.
 */
export interface XmlHandler {
  /** A start tag; `attrs` is the raw attribute text (read it with {@link attr}). */
  open(name: string, attrs: string, selfClosing: boolean): void;
  close(name: string): void;
  /** Character data (entities decoded), only while {@link XmlScanner.capture} is true. */
  text(data: string): void;
}

const LT = 60;
const GT = 62;
const SLASH = 47;
const QMARK = 63;
const BANG = 33;
const DQ = 34;
const SQ = 39;

const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function invalid(message: string): FormatError {
  return new FormatError("XLSX_INVALID", `The workbook could not be read: ${message}`);
}

/** Whether a code point may appear in an XML 1.0 document. */
function xmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** Decodes the five predefined entities and character references; anything else is refused. */
export function decodeXmlText(s: string): string {
  let amp = s.indexOf("&");
  if (amp === -1) return s;
  let out = "";
  let from = 0;
  while (amp !== -1) {
    const semi = s.indexOf(";", amp + 1);
    if (semi === -1 || semi - amp > 12) throw invalid("an entity is not terminated");
    const body = s.slice(amp + 1, semi);
    let rep: string | undefined;
    if (body.charCodeAt(0) === 35 /* # */) {
      const hex = body.charCodeAt(1) === 120; /* x */
      const digits = body.slice(hex ? 2 : 1);
      if (digits === "" || !(hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits))
        throw invalid(`the character reference &${body}; is malformed`);
      const cp = Number.parseInt(digits, hex ? 16 : 10);
      if (!xmlChar(cp)) throw invalid(`the character reference &${body}; is not allowed in XML`);
      rep = String.fromCodePoint(cp);
    } else {
      rep = NAMED[body];
      if (rep === undefined) throw invalid(`the entity &${body}; is not defined`);
    }
    out += s.slice(from, amp) + rep;
    from = semi + 1;
    amp = s.indexOf("&", from);
  }
  return out + s.slice(from);
}

/** The value of attribute `name` in raw attribute text, entities decoded; undefined if absent. */
export function attr(attrs: string, name: string): string | undefined {
  let i = 0;
  for (;;) {
    i = attrs.indexOf(name, i);
    if (i === -1) return undefined;
    const before = i === 0 ? 32 : attrs.charCodeAt(i - 1);
    let j = i + name.length;
    // The name must stand alone: preceded by whitespace, followed by optional spaces and `=`.
    if (before === 32 || before === 9 || before === 10 || before === 13) {
      while (attrs.charCodeAt(j) === 32 || attrs.charCodeAt(j) === 9) j++;
      if (attrs.charCodeAt(j) === 61 /* = */) {
        j++;
        while (attrs.charCodeAt(j) === 32 || attrs.charCodeAt(j) === 9) j++;
        const q = attrs.charCodeAt(j);
        if (q === DQ || q === SQ) {
          const end = attrs.indexOf(q === DQ ? '"' : "'", j + 1);
          if (end === -1) throw invalid("an attribute value is not terminated");
          return decodeXmlText(attrs.slice(j + 1, end));
        }
      }
    }
    i += name.length;
  }
}

/** Name characters allowed at the start of a tag name (ASCII letters, `_`, `:` and non-ASCII). */
function nameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || c >= 0x80;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

/** Character data outside elements may only be whitespace (checked cheaply, without copies). */
function checkOutsideText(s: string, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    if (!isSpace(s.charCodeAt(i))) throw invalid("text outside the root element");
  }
}

/** Scans one XML part pushed as text pieces; see {@link XmlHandler}. */
export class XmlScanner {
  /** When true, character data is decoded and passed to the handler; otherwise it is skipped. */
  capture = false;
  private carry = "";
  /**
   * A start tag still open at the end of a piece: its text so far, in parts, and the quote it is
   * inside. Each new piece is scanned only for its end, so a long tag costs linear time rather
   * than a rescan from its `<` per piece.
   */
  private tagParts: string[] | undefined;
  private tagLength = 0;
  private tagQuote = 0;
  private readonly stack: string[] = [];
  private sawRoot = false;
  private readonly maxPending: number;

  constructor(
    private readonly h: XmlHandler,
    /** Longest tag or captured text run held between pieces before the part is refused. */
    maxPending = 4 * 1024 * 1024,
  ) {
    this.maxPending = maxPending;
  }

  /** Feeds the next piece of text. */
  push(piece: string): void {
    if (this.tagParts) {
      const end = this.tagEnd(piece, 0, this.tagQuote);
      if (end === -1) {
        this.tagParts.push(piece);
        this.tagLength += piece.length;
        if (this.tagLength > this.maxPending) throw invalid("a tag is too long");
        return;
      }
      // The tag is whole: it is read once more, with what follows it, below.
      this.tagParts.push(piece);
      piece = this.tagParts.join("");
      this.tagParts = undefined;
      this.tagLength = 0;
    }
    const s = this.carry === "" ? piece : this.carry + piece;
    this.carry = "";
    const n = s.length;
    const h = this.h;
    const stack = this.stack;
    let i = 0;
    while (i < n) {
      const lt = s.indexOf("<", i);
      const textEnd = lt === -1 ? n : lt;
      if (textEnd > i) {
        if (stack.length === 0) checkOutsideText(s, i, textEnd);
        else if (this.capture) {
          if (lt === -1) {
            // The run may go on in the next piece; an entity may be cut at the end of this one.
            const amp = s.lastIndexOf("&");
            const keep = amp >= i && s.indexOf(";", amp) === -1 ? amp : n;
            if (keep > i) h.text(decodeXmlText(s.slice(i, keep)));
            this.carry = s.slice(keep);
            if (this.carry.length > 16) throw invalid("an entity is not terminated");
            return;
          }
          h.text(decodeXmlText(s.slice(i, textEnd)));
        }
      }
      if (lt === -1) return;
      i = lt;
      if (i + 1 >= n) {
        this.keep(s, i);
        return;
      }
      const c = s.charCodeAt(i + 1);
      if (c === SLASH) {
        const gt = s.indexOf(">", i + 2);
        if (gt === -1) {
          this.keep(s, i);
          return;
        }
        let name = s.slice(i + 2, gt);
        if (isSpace(name.charCodeAt(name.length - 1))) name = name.trimEnd();
        const open = stack.pop();
        if (open !== name) throw invalid(`</${name.slice(0, 40)}> does not close <${open ?? ""}>`);
        h.close(local(name));
        i = gt + 1;
        continue;
      }
      if (c === QMARK) {
        i = this.skipPast(s, i, 2, "?>");
        if (i === -1) return;
        continue;
      }
      if (c === BANG) {
        if (s.startsWith("<!--", i)) {
          i = this.skipPast(s, i, 4, "-->");
          if (i === -1) return;
          continue;
        }
        if (s.startsWith("<![CDATA[", i)) {
          const next = this.skipPast(s, i, 9, "]]>");
          if (next === -1) return;
          if (stack.length === 0) throw invalid("CDATA outside the root element");
          if (this.capture) h.text(s.slice(i + 9, next - 3));
          i = next;
          continue;
        }
        if (n - i < 9) {
          this.keep(s, i);
          return;
        }
        throw invalid("document type declarations are not accepted");
      }
      if (!nameStart(c)) throw invalid("a tag has no name");
      // Start tag: find its end outside quoted attribute values.
      const gt = this.tagEnd(s, i + 2, 0);
      if (gt === -1) {
        this.tagParts = [s.slice(i)];
        this.tagLength = n - i;
        if (this.tagLength > this.maxPending) throw invalid("a tag is too long");
        return;
      }
      const selfClosing = s.charCodeAt(gt - 1) === SLASH;
      const inner = s.slice(i + 1, selfClosing ? gt - 1 : gt);
      let k = 0;
      while (k < inner.length && !isSpace(inner.charCodeAt(k))) k++;
      const name = k === inner.length ? inner : inner.slice(0, k);
      if (stack.length === 0) {
        if (this.sawRoot) throw invalid("more than one root element");
        this.sawRoot = true;
      }
      if (!selfClosing) stack.push(name);
      h.open(local(name), k === inner.length ? "" : inner.slice(k), selfClosing);
      if (selfClosing) h.close(local(name));
      i = gt + 1;
    }
  }

  /**
   * The index of the `>` ending a start tag, scanning `s` from `from` with `quote` (a quote
   * character, or 0) open; -1 when it is not in `s`, with the quote then open in `tagQuote`.
   */
  private tagEnd(s: string, from: number, quote: number): number {
    const n = s.length;
    for (let j = from; j < n; j++) {
      const cj = s.charCodeAt(j);
      if (quote !== 0) {
        if (cj === quote) quote = 0;
        else if (cj === LT) throw invalid("'<' inside an attribute value");
      } else if (cj === GT) return j;
      else if (cj === DQ || cj === SQ) quote = cj;
      else if (cj === LT) throw invalid("a tag is not closed");
    }
    this.tagQuote = quote;
    return -1;
  }

  /**
   * For a construct at `from` whose opening is `openLength` characters long: the index just past
   * its `terminator`, or -1 when the terminator is not in this piece yet (the construct is then
   * kept for the next one).
   */
  private skipPast(s: string, from: number, openLength: number, terminator: string): number {
    const end = s.indexOf(terminator, from + openLength);
    if (end === -1) {
      this.keep(s, from);
      return -1;
    }
    return end + terminator.length;
  }

  private keep(s: string, from: number): void {
    this.carry = s.slice(from);
    if (this.carry.length > this.maxPending) throw invalid("a tag is too long");
  }

  /** Ends the part: everything opened must have been closed. */
  end(): void {
    if (this.carry.trim() !== "" || this.tagParts || this.stack.length > 0)
      throw invalid("the XML ends before its elements are closed");
    if (!this.sawRoot) throw invalid("the XML has no root element");
  }
}

/** The local part of a possibly prefixed name (`x:row` → `row`). */
function local(name: string): string {
  const colon = name.indexOf(":");
  return colon === -1 ? name : name.slice(colon + 1);
}
