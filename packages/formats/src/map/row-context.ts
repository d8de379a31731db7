import type { CanonicalListing } from "../listing";
import type { ProblemCode, RowProblem } from "./problems";

/** Collects problems for the row being mapped. */
export class RowContext {
  readonly problems: RowProblem[] = [];
  constructor(public row: number) {}

  add(
    severity: RowProblem["severity"],
    column: string,
    value: string,
    code: ProblemCode,
    message: string,
    extra: { suggestion?: string; field?: keyof CanonicalListing } = {},
  ): void {
    this.problems.push({ row: this.row, column, value, code, severity, message, ...extra });
  }

  error(
    column: string,
    value: string,
    code: ProblemCode,
    message: string,
    extra: { suggestion?: string; field?: keyof CanonicalListing } = {},
  ): void {
    this.add("error", column, value, code, message, extra);
  }

  warn(
    column: string,
    value: string,
    code: ProblemCode,
    message: string,
    extra: { suggestion?: string; field?: keyof CanonicalListing } = {},
  ): void {
    this.add("warning", column, value, code, message, extra);
  }

  get ok(): boolean {
    return !this.problems.some((p) => p.severity === "error");
  }
}

/** Looks up cells by normalised header name. */
export class HeaderIndex {
  private readonly map = new Map<string, number>();
  constructor(
    readonly headers: readonly string[],
    normalize: (h: string) => string,
  ) {
    headers.forEach((h, i) => {
      const k = normalize(h);
      if (k && !this.map.has(k)) this.map.set(k, i);
    });
  }
  index(key: string): number | undefined {
    return this.map.get(key);
  }
  header(key: string): string {
    const i = this.map.get(key);
    return i === undefined ? key : (this.headers[i] ?? key);
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  get(values: readonly string[], key: string): string {
    const i = this.map.get(key);
    return i === undefined ? "" : (values[i] ?? "");
  }
}
