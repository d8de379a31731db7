import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, describe, expect, it } from "vitest";
import type { ColumnMapping, MappingTarget } from "../lib/import-wizard";
import { type MappingProfile, MappingStep } from "./import-mapping";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let host: HTMLDivElement;
let root: Root;
afterEach(async () => {
  await act(async () => root?.unmount());
  host?.remove();
});

function choose(select: HTMLSelectElement, value: string) {
  const setter = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, "value")?.set;
  setter?.call(select, value);
  select.dispatchEvent(new Event("change", { bubbles: true }));
}
function type(input: HTMLInputElement, value: string) {
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")?.set;
  setter?.call(input, value);
  input.dispatchEvent(new Event("input", { bubbles: true }));
}
const button = (text: string) =>
  [...host.querySelectorAll("button")].find((b) => b.textContent === text) as HTMLButtonElement;

async function mount(
  mapping: ColumnMapping,
  profiles: MappingProfile[] = [],
  overrides: Partial<Parameters<typeof MappingStep>[0]> = {},
) {
  const events: unknown[][] = [];
  host = document.createElement("div");
  document.body.append(host);
  root = createRoot(host);
  await act(async () =>
    root.render(
      <MappingStep
        mapping={mapping}
        samples={{ Cost: "$12" }}
        profiles={profiles}
        busy={false}
        onTarget={(h, t) => events.push(["target", h, t])}
        onLoad={(m) => events.push(["load", m])}
        onSave={(n) => {
          events.push(["save", n]);
        }}
        onRemoveProfile={(id) => events.push(["remove", id])}
        onConfirm={() => events.push(["confirm"])}
        {...overrides}
      />,
    ),
  );
  return events;
}

describe("MappingStep", () => {
  it("prefills each header's suggested field and reports changes", async () => {
    const events = await mount({ "Item name": "title", Cost: "price", Notes: "ignore" });
    const select = (h: string) =>
      host.querySelector(`select[aria-label="Field for ${h}"]`) as HTMLSelectElement;
    expect(select("Item name").value).toBe("title");
    expect(select("Cost").value).toBe("price");
    expect(select("Notes").value).toBe("ignore");
    expect(host.textContent).toContain("$12");
    expect(host.querySelector("tr.ignored")?.textContent).toContain("Notes");
    await act(async () => choose(select("Notes"), "description"));
    expect(events).toEqual([["target", "Notes", "description" satisfies MappingTarget]]);
    await act(async () => button("Use this mapping and preview").click());
    expect(events.at(-1)).toEqual(["confirm"]);
  });

  it("titles the example column for what it shows: the file's values", async () => {
    await mount({ Name: "title", Cost: "price" });
    const heads = [...host.querySelectorAll("thead th")].map((th) => th.textContent);
    expect(heads).toEqual(["Column in your file", "Example", "Imports into"]);
  });

  it("titles the example column for what it shows: values the dry run found a problem with", async () => {
    await mount({ Name: "title", Cost: "price" }, [], { problemSamples: true });
    const heads = [...host.querySelectorAll("thead th")].map((th) => th.textContent);
    expect(heads).toEqual(["Column in your file", "Example of a problem", "Imports into"]);
  });

  it("shows a header named like an object's own properties with its sample, or none", async () => {
    // A plain object answers `__proto__` and `constructor` itself; they must not pass for samples.
    await mount(JSON.parse('{"__proto__":"ignore","constructor":"ignore","Cost":"price"}'));
    const cells = [...host.querySelectorAll("tbody tr")].map((tr) =>
      [...tr.querySelectorAll("td")].map((td) => td.textContent),
    );
    expect(cells.map((c) => c.slice(0, 2))).toEqual([
      ["__proto__", ""],
      ["constructor", ""],
      ["Cost", "$12"],
    ]);
  });

  it("warns when title or price is not mapped", async () => {
    await mount({ A: "title", B: "ignore" });
    expect(host.querySelector('[role="status"]')?.textContent).toMatch(/Price/);
    expect(host.querySelector('[role="status"]')?.textContent).not.toMatch(/Title/);
  });

  it("saves the mapping under a name and loads or deletes a saved one", async () => {
    const profiles = [{ id: "p1", name: "Supplier", mapping: { Cost: "price" } }];
    const events = await mount({ Cost: "ignore" }, profiles);
    expect(button("Load").disabled).toBe(true);
    expect(button("Save mapping").disabled).toBe(true);
    const name = host.querySelector('input[aria-label="Mapping name"]') as HTMLInputElement;
    await act(async () => type(name, "  My sheet "));
    await act(async () => button("Save mapping").click());
    expect(events).toContainEqual(["save", "My sheet"]);
    expect(name.value).toBe("");
    const saved = host.querySelector('select[aria-label="Saved mapping"]') as HTMLSelectElement;
    await act(async () => choose(saved, "p1"));
    await act(async () => button("Load").click());
    expect(events).toContainEqual(["load", { Cost: "price" }]);
    await act(async () => button("Delete").click());
    expect(events).toContainEqual(["remove", "p1"]);
  });

  it("saves a mapping once however often Save is clicked while it is being saved", async () => {
    let done: () => void = () => {};
    const events = await mount({ Cost: "price" }, [], {
      onSave: (n) => {
        events.push(["save", n]);
        return new Promise<void>((r) => {
          done = r;
        });
      },
    });
    const name = host.querySelector('input[aria-label="Mapping name"]') as HTMLInputElement;
    await act(async () => type(name, "Supplier"));
    await act(async () => button("Save mapping").click());
    await act(async () => button("Save mapping").click());
    expect(events.filter((e) => e[0] === "save")).toHaveLength(1);
    await act(async () => done());
    expect(name.value).toBe("");
    expect(button("Save mapping").disabled).toBe(true);
  });

  it("keeps the typed name when the mapping could not be saved", async () => {
    await mount({ Cost: "price" }, [], { onSave: async () => false });
    const name = host.querySelector('input[aria-label="Mapping name"]') as HTMLInputElement;
    await act(async () => type(name, "Supplier"));
    await act(async () => button("Save mapping").click());
    expect(name.value).toBe("Supplier");
    expect(button("Save mapping").disabled).toBe(false);
  });

  it("keeps the typed name when saving the mapping throws", async () => {
    await mount({ Cost: "price" }, [], {
      onSave: async () => {
        throw new Error("offline");
      },
    });
    const name = host.querySelector('input[aria-label="Mapping name"]') as HTMLInputElement;
    await act(async () => type(name, "Supplier"));
    await act(async () => button("Save mapping").click());
    expect(name.value).toBe("Supplier");
    expect(button("Save mapping").disabled).toBe(false);
  });

  it("cannot be confirmed while a dry run is running", async () => {
    await mount({ A: "title" }, [], { busy: true });
    expect(button("Checking…").disabled).toBe(true);
  });
});
