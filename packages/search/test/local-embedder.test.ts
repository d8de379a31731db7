import { describe, expect, it } from "vitest";
import { findDuplicateGroups, LocalEmbedder, listingText } from "../src";
import { tokenize } from "../src/local/tokenize";

const e = new LocalEmbedder();
const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * (b[i] ?? 0), 0);
const sim = (a: string, b: string) => cos(e.embedOne(a), e.embedOne(b));

describe("tokenize", () => {
  it("folds units, plurals and stopwords", () => {
    expect(tokenize('Two 12 volt batteries with 128 GB and a 65" TV')).toEqual([
      "12v",
      "battery",
      "128gb",
      "65in",
      "tv",
    ]);
    expect(tokenize("100 amp hour 12-V LiFePO4")).toEqual(["100ah", "12v", "lifepo4"]);
  });
});

describe("LocalEmbedder", () => {
  it("is deterministic and unit-length", async () => {
    const [a, b] = await e.embed(["Grey sofa", "Grey sofa"]);
    expect(a).toEqual(b);
    expect(Math.sqrt(cos(a ?? new Float32Array(), a ?? new Float32Array()))).toBeCloseTo(1, 5);
    expect(e.dimensions).toBe(256);
    expect(a).toHaveLength(256);
  });

  it("relates synonyms and concepts beyond shared words", () => {
    expect(sim("couch", "Grey three seat sofa")).toBeGreaterThan(
      sim("couch", "Samsung smart TV") + 0.25,
    );
    expect(sim("bicycle", "Trek mountain bike")).toBeGreaterThan(
      sim("bicycle", "Trek hiking boots") + 0.2,
    );
    expect(sim("notebook computer", "MacBook Air M1")).toBeGreaterThan(
      sim("notebook computer", "air fryer") + 0.2,
    );
    expect(sim("deep cycle battery", "LiFePO4 100Ah")).toBeGreaterThan(
      sim("deep cycle battery", "dining table") + 0.2,
    );
    expect(sim("television", "65 inch 4K smart TV")).toBeGreaterThan(0.2);
  });

  it("tolerates typos and unit spellings", () => {
    expect(sim("bycicle", "road bike")).toBeGreaterThan(sim("bycicle", "sofa") + 0.2);
    expect(sim("dumbells", "adjustable dumbbells")).toBeGreaterThan(0.3);
    expect(sim("12 volt battery", "12V battery")).toBeGreaterThan(0.95);
  });

  it("weights the title line above the description", () => {
    const sofa = listingText({
      title: "Leather sofa",
      description: "Came with a free lamp and a rug",
    });
    const lamp = listingText({
      title: "Floor lamp",
      description: "Looks nice next to a leather sofa",
    });
    expect(sim("sofa", sofa)).toBeGreaterThan(sim("sofa", lamp));
  });

  it("survives hostile input", async () => {
    const junk = `${"\u0000\uffff🙂".repeat(10_000)}${"x".repeat(100_000)}`;
    const [v] = await e.embed([junk, "", "   "]);
    expect(v).toHaveLength(256);
    expect([...(v ?? [])].every(Number.isFinite)).toBe(true);
  });

  it("embeds 10k listings in under a second per thousand, even on a busy machine", async () => {
    const texts = Array.from({ length: 10_000 }, (_, i) =>
      listingText({
        title: `Used item ${i} battery sofa bike phone`,
        category: "Misc",
        description: `Description number ${i} with some words about condition and pickup`,
      }),
    );
    const start = performance.now();
    await e.embed(texts);
    expect(performance.now() - start).toBeLessThan(10_000);
  });
});

describe("findDuplicateGroups", () => {
  it("groups near-identical vectors exactly for small sets and via LSH for large ones", () => {
    const texts = [
      "iPhone 13 128GB blue",
      "iPhone 13 128GB Blue!",
      "Weber grill",
      "Weber grill.",
      "sofa",
    ];
    const small = findDuplicateGroups(
      texts.map((t) => e.embedOne(t)),
      { threshold: 0.95 },
    );
    expect(small).toEqual([
      [0, 1],
      [2, 3],
    ]);
    const many = Array.from({ length: 2000 }, (_, i) =>
      e.embedOne(`unique listing ${i} model ${i * 7}`),
    );
    many.push(
      e.embedOne("Trek Marlin 7 mountain bike"),
      e.embedOne("Trek Marlin 7 mountain bike!"),
    );
    const groups = findDuplicateGroups(many, { threshold: 0.97 });
    expect(groups).toContainEqual([2000, 2001]);
    for (const g of groups) {
      for (const i of g)
        for (const j of g)
          if (i !== j)
            expect(
              cos(many[i] ?? new Float32Array(), many[j] ?? new Float32Array()),
            ).toBeGreaterThan(0.9);
    }
  });
});
