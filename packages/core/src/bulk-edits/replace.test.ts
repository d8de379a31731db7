import { describe, expect, it } from "vitest";
import { CoreError } from "../errors";
import {
  MAX_RESULT_CHARS,
  MAX_WAITING,
  REGEX_BUDGET_MS,
  REPLACE_THREADS,
  replaceAll,
  replaceThreads,
} from "./replace";

describe("find and replace in a worker thread", () => {
  it("expands replacement templates exactly as String.prototype.replace does", async () => {
    const inputs = ["banana", "", "Ж ananas", "$a$"];
    const patterns = ["a", "(a)(n)?", "(?<x>an)", "(?:)", "n(?=a)", "^", "$", "\\b", "(a)|(b)"];
    const templates = [
      "x",
      "$&",
      "$`",
      "$'",
      "$1",
      "$2",
      "$12",
      "$01",
      "$0",
      "$$",
      "$<x>",
      "$<y>",
      "$<x",
      "[$1|$&|$2]",
      "$",
      "$9",
      "a$",
      "$$1",
    ];
    for (const find of patterns)
      for (const replace of templates) {
        const out = await replaceAll(inputs, { find, replace, regex: true, caseSensitive: true });
        const re = new RegExp(find, "gu");
        expect(out, `${find} → ${replace}`).toEqual(inputs.map((v) => v.replace(re, replace)));
      }
  });

  it("takes plain text literally, dollars and regex characters included", async () => {
    const out = await replaceAll(["a.b $& a.b", "A.B"], {
      find: "a.b",
      replace: "$&$1",
      regex: false,
      caseSensitive: false,
    });
    expect(out).toEqual(["$&$1 $& $&$1", "$&$1"]);
  });

  it("matches plain text by Unicode characters and case folding, as patterns do", async () => {
    // 𐐨 is the lower case of 𐐀 (one character, two UTF-16 units); K (Kelvin) folds to k.
    const inputs = ["\u{10428} lamp", "Smile \u{1F600} lamp", "\u212A lamp", "kite"];
    const finds = ["\u{10400}", "\uDE00", "\uD83D", "k", "\u212A", "🀀"];
    for (const find of finds)
      for (const caseSensitive of [false, true]) {
        const spec = { find, replace: "x", caseSensitive };
        const plain = await replaceAll(inputs, { ...spec, regex: false });
        const pattern = await replaceAll(inputs, { ...spec, regex: true });
        expect(plain, `${find} ${caseSensitive}`).toEqual(pattern);
      }
    const spec = { replace: "x", regex: false, caseSensitive: false };
    expect(await replaceAll(inputs, { ...spec, find: "\u{10400}" })).toEqual([
      "x lamp",
      "Smile \u{1F600} lamp",
      "\u212A lamp",
      "kite",
    ]);
    // Half an emoji is not a character of the text: nothing is found.
    expect(await replaceAll(inputs, { ...spec, find: "\uDE00 lamp" })).toEqual(inputs);
    expect(await replaceAll(inputs, { ...spec, find: "K" })).toEqual([
      "\u{10428} lamp",
      "Smile \u{1F600} lamp",
      "x lamp",
      "xite",
    ]);
  });

  it("stops a value whose result would outgrow every field instead of building it", async () => {
    const started = performance.now();
    const out = await replaceAll(["Ж".repeat(20_000), "short"], {
      find: "(?:)",
      replace: "$`$`",
      regex: true,
      caseSensitive: true,
    });
    expect(out[0]).toBeNull();
    expect(out[1]).toBe("short".replace(/(?:)/gu, "$`$`"));
    expect(out[1]?.length).toBeLessThanOrEqual(MAX_RESULT_CHARS);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("refuses a pattern that runs too long without holding up the event loop", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 50);
    const started = performance.now();
    const err = await replaceAll([`${"a".repeat(5000)}!`], {
      find: "(a+)+$",
      replace: "x",
      regex: true,
      caseSensitive: true,
    }).catch((e: unknown) => e);
    clearInterval(timer);
    expect(err).toBeInstanceOf(CoreError);
    expect((err as CoreError).code).toBe("UNPROCESSABLE");
    const ms = performance.now() - started;
    expect(ms).toBeLessThan(5000);
    // The main thread kept running timers the whole time (a blocked loop would count ~1).
    expect(ticks).toBeGreaterThan((ms / 50) * 0.5);
  });

  it("answers VALIDATION_FAILED for a pattern that does not compile", async () => {
    const err = await replaceAll(["x"], {
      find: "(",
      replace: "",
      regex: true,
      caseSensitive: true,
    }).catch((e: unknown) => e);
    expect((err as CoreError).code).toBe("VALIDATION_FAILED");
  });

  it("runs on at most REPLACE_THREADS warm threads however many ask at once, and reuses them", async () => {
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, replaceThreads().live);
    }, 1);
    const spec = { find: "o", replace: "0", regex: false, caseSensitive: true };
    const outs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => replaceAll([`foo ${i}`, "boo"], spec)),
    );
    clearInterval(watch);
    expect(outs.map((o) => o[0])).toEqual(Array.from({ length: 8 }, (_, i) => `f00 ${i}`));
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(REPLACE_THREADS);
    const after = replaceThreads();
    expect(after.waiting).toBe(0);
    expect(after.idle).toBe(after.live);
    // A later call takes a warm thread rather than starting one.
    const started = performance.now();
    expect(await replaceAll(["moon"], spec)).toEqual(["m00n"]);
    expect(replaceThreads().live).toBe(after.live);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("gives a caller waiting behind stuck patterns a fresh thread, and turns away callers past the queue", async () => {
    const pathological = {
      find: "(a+)+$",
      replace: "x",
      regex: true,
      caseSensitive: true,
    };
    const evil = `${"a".repeat(5000)}!`;
    // Both threads stuck until the budget ends them.
    const stuck = Array.from({ length: REPLACE_THREADS }, () =>
      replaceAll([evil], pathological).catch((e: unknown) => e),
    );
    await new Promise((r) => setTimeout(r, 100));
    const plain = { find: "c", replace: "b", regex: false, caseSensitive: true };
    const started = performance.now();
    const waiting = Array.from({ length: MAX_WAITING }, (_, i) => replaceAll([`cat ${i}`], plain));
    const turnedAway = await replaceAll(["cat"], plain).catch((e: unknown) => e);
    expect((turnedAway as CoreError).code).toBe("SERVICE_UNAVAILABLE");
    expect((turnedAway as CoreError).retryAfterSeconds).toBeGreaterThan(0);
    expect(await Promise.all(waiting)).toEqual(
      Array.from({ length: MAX_WAITING }, (_, i) => [`bat ${i}`]),
    );
    // Answered once the stuck threads were ended, not after waiting out their own time as well.
    expect(performance.now() - started).toBeLessThan(REGEX_BUDGET_MS + 1500);
    for (const e of await Promise.all(stuck)) expect((e as CoreError).code).toBe("UNPROCESSABLE");
    expect(replaceThreads().live).toBeLessThanOrEqual(REPLACE_THREADS);
    expect(replaceThreads().waiting).toBe(0);
  });
});
