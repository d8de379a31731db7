/** Longest sheet name Excel accepts. */
const SHEET_NAME_MAX = 31;

/**
 * A sheet name Excel opens the workbook with: without the characters it refuses (`: \ / ? * [ ]`,
 * and control characters, which XML cannot hold), without a leading or trailing `'`, not blank,
 * at most 31 characters (a surrogate pair is not cut), and not the name (in any case) of a sheet
 * already in `taken`, nor Excel's reserved `History`: such a name gets ` (2)`, ` (3)`… The name
 * given is added to `taken`, lower-cased.
 */
export function xlsxSheetName(name: string, taken: Set<string> = new Set()): string {
  const fit = (s: string, max: number) => {
    if (s.length <= max) return s;
    const cut = s.slice(0, max);
    return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
  };
  const clean =
    name
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing those characters is the point
      .replace(/[\x00-\x1F\x7F:\\/?*[\]]/g, "")
      .replace(/^'+|'+$/g, "")
      .trim() || "Sheet";
  const free = (s: string) => !taken.has(s.toLowerCase()) && s.toLowerCase() !== "history";
  let out = fit(clean, SHEET_NAME_MAX).replace(/'+$/, "");
  for (let i = 2; !free(out); i++) {
    const suffix = ` (${i})`;
    out = fit(clean, SHEET_NAME_MAX - suffix.length).replace(/'+$/, "") + suffix;
  }
  taken.add(out.toLowerCase());
  return out;
}
