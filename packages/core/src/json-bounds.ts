import type { z } from "zod";

/** How deeply free-form JSON from a caller (marketplace fields, preferences) may nest. */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether `value` nests arrays and objects at most `max` levels deep (the value itself is level
 * 1), walked without recursion so that any depth is answered rather than overflowing the stack.
 */
export function nestsWithin(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [v, depth] = next;
    if (v === null || typeof v !== "object") continue;
    if (depth > max) return false;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return true;
}

/** Whether a string or a key anywhere in free-form JSON answers `bad`. */
export function someText(value: unknown, bad: (text: string) => boolean): boolean {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === "string") {
      if (bad(v)) return true;
    } else if (Array.isArray(v)) stack.push(...v);
    else if (v !== null && typeof v === "object")
      for (const [k, child] of Object.entries(v)) {
        if (bad(k)) return true;
        stack.push(child);
      }
  }
  return false;
}

/** Whether a string or a key anywhere in free-form JSON holds NUL (PostgreSQL text cannot). */
export const holdsNul = (value: unknown): boolean => someText(value, (t) => t.includes("\u0000"));

/** Whether free-form JSON passes {@link boundedJson}: the same test, without the messages. */
export function jsonFits(value: unknown, maxChars: number): boolean {
  return (
    nestsWithin(value, MAX_JSON_DEPTH) &&
    JSON.stringify(value).length <= maxChars &&
    !holdsNul(value)
  );
}

/**
 * A zod check for free-form JSON: at most `MAX_JSON_DEPTH` levels and `maxChars` characters once
 * serialised. Depth is checked first: serialising thousands of levels overflows the stack.
 */
export function boundedJson(label: string, maxChars: number) {
  return (value: unknown, ctx: z.RefinementCtx) => {
    if (!nestsWithin(value, MAX_JSON_DEPTH))
      ctx.addIssue({
        code: "custom",
        message: `${label} nest at most ${MAX_JSON_DEPTH} levels deep`,
      });
    else if (JSON.stringify(value).length > maxChars)
      ctx.addIssue({
        code: "custom",
        message: `${label} are limited to ${Math.round(maxChars / 1024)} KiB`,
      });
    else if (holdsNul(value))
      ctx.addIssue({ code: "custom", message: `${label} cannot contain the NUL character` });
  };
}
