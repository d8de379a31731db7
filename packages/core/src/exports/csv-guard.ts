const QUOTE = 39; // '
const DQUOTE = 34; // "
const COMMA = 44;
const LF = 10;
const CR = 13;
const APOSTROPHE = Buffer.from("'");
const FLUSH_AT = 64 * 1024;

/** At a cell's first byte: `"` opens a quoted cell. */
const FIELD_START = 1;
/** Inside a cell's text, before its first byte that is not `'`. */
const CONTENT_START = 2;

/**
 * Formula guard and record count over a CSV byte stream as PostgreSQL's `COPY … (FORMAT csv)`
 * writes it (`,` between cells, LF between records, `"` quoting with `""` inside). Only a cell's
 * first characters decide whether it gets a leading `'` (as `guardFormula`: after any `'`s, one of
 * = + - @ tab CR LF), so one pass over the bytes, without decoding, is enough; cells that need the
 * prefix are rare and everything else passes through as the same bytes. Output comes in ~64 KiB
 * buffers rather than PostgreSQL's one message per row.
 */
export class CsvFormulaGuard {
  private quoted = false;
  private state = FIELD_START;
  /** Where the undecided cell's text starts in the chunk being read; -1: in `held`. */
  private contentStart = 0;
  /** The start of an undecided cell that ended a chunk (only `'`s and maybe an opening `"`). */
  private held: Buffer | null = null;
  private out: Buffer[] = [];
  private outBytes = 0;
  /** CSV records seen so far (LF outside quotes), the header included. */
  records = 0;

  private emit(b: Buffer) {
    if (b.length === 0) return;
    this.out.push(b);
    this.outBytes += b.length;
  }

  /** Reads one chunk; returns a buffer once ~64 KiB of output are ready. */
  push(chunk: Buffer): Buffer | null {
    let from = 0;
    let quoted = this.quoted;
    let state = this.state;
    let records = this.records;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const b = chunk[i] as number;
      if (state !== 0) {
        if (state === FIELD_START) {
          if (b === DQUOTE) {
            quoted = true;
            state = CONTENT_START;
            this.contentStart = i + 1;
            continue;
          }
          this.contentStart = i;
          state = CONTENT_START;
        }
        if (b === QUOTE) continue;
        // LF and CR are text only inside quotes; unquoted they end the record.
        if (
          b === 61 ||
          b === 43 ||
          b === 45 ||
          b === 64 ||
          b === 9 ||
          (quoted && (b === LF || b === CR))
        ) {
          if (this.contentStart < 0) {
            this.emit(APOSTROPHE);
            if (this.held) this.emit(this.held);
          } else {
            this.emit(chunk.subarray(from, this.contentStart));
            this.emit(APOSTROPHE);
            from = this.contentStart;
          }
          this.held = null;
        } else if (this.held) {
          this.emit(this.held);
          this.held = null;
        }
        state = 0;
      }
      if (b === DQUOTE) quoted = !quoted;
      else if (!quoted) {
        if (b === COMMA) state = FIELD_START;
        else if (b === LF) {
          records++;
          state = FIELD_START;
        }
      }
    }
    this.quoted = quoted;
    this.records = records;
    this.state = state;
    if (state === CONTENT_START) {
      // Undecided at the chunk's end: hold the cell's start back until its next byte is known.
      if (this.contentStart < 0) {
        this.held = Buffer.concat([this.held ?? Buffer.alloc(0), chunk]);
      } else {
        this.emit(chunk.subarray(from, this.contentStart));
        this.held = chunk.subarray(this.contentStart);
      }
      this.contentStart = -1;
    } else {
      this.emit(chunk.subarray(from));
    }
    return this.outBytes >= FLUSH_AT ? this.flush() : null;
  }

  /** Whatever output is waiting (at the end of the stream: everything, held bytes included). */
  flush(end = false): Buffer | null {
    if (end && this.held) {
      this.emit(this.held);
      this.held = null;
    }
    if (this.out.length === 0) return null;
    const b =
      this.out.length === 1 ? (this.out[0] as Buffer) : Buffer.concat(this.out, this.outBytes);
    this.out = [];
    this.outBytes = 0;
    return b;
  }
}
