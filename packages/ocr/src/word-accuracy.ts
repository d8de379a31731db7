/**
 * Word accuracy of `actual` against `expected`: 1 − (word-level edit distance ÷ expected word
 * count), floored at 0. Case and surrounding punctuation are ignored.
 */
export function wordAccuracy(expected: string, actual: string): number {
  const norm = (s: string): string[] =>
    s
      .toLowerCase()
      .split(/\s+/)
      .map((w) => w.replace(/^[^\p{L}\p{N}$€£]+|[^\p{L}\p{N}%]+$/gu, ""))
      .filter((w) => w.length > 0);
  const a = norm(expected);
  const b = norm(actual);
  if (a.length === 0) return b.length === 0 ? 1 : 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return Math.max(0, 1 - (prev[b.length] ?? 0) / a.length);
}
