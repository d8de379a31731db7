import { act } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Mounted, mountWithApp, settle, typeInto } from "./screen-test-harness";
import { TemplatesScreen } from "./templates";

const api = vi.hoisted(() => ({
  templates: {
    list: { query: vi.fn() },
    create: { mutate: vi.fn() },
    update: { mutate: vi.fn() },
    remove: { mutate: vi.fn() },
  },
}));
vi.mock("../api/client", () => ({ api }));

let m: Mounted | null = null;
beforeEach(() => {
  for (const p of Object.values(api.templates)) for (const f of Object.values(p)) f.mockReset();
  api.templates.list.query.mockResolvedValue({ items: [] });
  api.templates.create.mutate.mockResolvedValue({});
});
afterEach(async () => {
  await m?.unmount();
  m = null;
});

const button = (label: string) =>
  [...(m?.host.querySelectorAll("button") ?? [])].find((b) => b.textContent === label);

/** Opens a new template named "Sale" with the given fields ticked. */
async function newTemplate(...fields: string[]) {
  m = await mountWithApp(<TemplatesScreen />);
  await settle();
  await act(async () => button("New template")?.click());
  const name = m.host.querySelector<HTMLInputElement>("form input[required]");
  if (!name) throw new Error("no name box");
  await act(async () => typeInto(name, "Sale"));
  for (const label of fields) {
    const box = [...m.host.querySelectorAll<HTMLLabelElement>("label.check")]
      .find((l) => l.textContent?.trim() === label)
      ?.querySelector("input");
    await act(async () => box?.click());
  }
}

const valueBox = (k: string) =>
  m?.host.querySelector<HTMLInputElement>(`input[aria-label="${k} value"]`) as HTMLInputElement;

async function save() {
  await act(async () => button("Save")?.click());
  await settle();
}

describe("TemplateForm", () => {
  it("refuses a blank price instead of saving a template that sets every price to 0", async () => {
    await newTemplate("Price");
    await save();

    expect(api.templates.create.mutate).not.toHaveBeenCalled();
    expect(m?.host.querySelector(".form-error")?.textContent).toBe(
      "Price: enter a price (e.g. 19.99)",
    );
  });

  it("reads a price typed with a decimal comma and a quantity with a thousands comma", async () => {
    await newTemplate("Price", "Quantity", "Currency");
    await act(async () => typeInto(valueBox("price"), "12,99"));
    await act(async () => typeInto(valueBox("quantity"), "1,000"));
    await act(async () => typeInto(valueBox("currency"), "eur"));
    await save();

    expect(api.templates.create.mutate).toHaveBeenCalledWith({
      name: "Sale",
      description: "",
      fields: { price: 12.99, quantity: 1000, currency: "EUR" },
    });
  });

  it("refuses a blank quantity instead of zeroing the stock", async () => {
    await newTemplate("Quantity");
    await save();

    expect(api.templates.create.mutate).not.toHaveBeenCalled();
    expect(m?.host.querySelector(".form-error")?.textContent).toBe(
      "Quantity: enter a whole number",
    );
  });
});

describe("TemplateForm focus", () => {
  it("puts the keyboard in the name box as it opens, and back on New template as it closes", async () => {
    m = await mountWithApp(<TemplatesScreen />);
    await settle();
    const open = button("New template");
    if (!open) throw new Error("no New template button");
    // As the keyboard does it: the button has the focus, then Enter clicks it.
    await act(async () => {
      open.focus();
      open.click();
    });
    expect(document.activeElement).toBe(m.host.querySelector("form input[required]"));

    const cancel = button("Cancel");
    await act(async () => {
      cancel?.focus();
      cancel?.click();
    });
    expect(m.host.querySelector("form")).toBeNull();
    expect(document.activeElement).toBe(open);
  });

  it("gives the keyboard back to New template after Save too", async () => {
    m = await mountWithApp(<TemplatesScreen />);
    await settle();
    const open = button("New template");
    await act(async () => {
      open?.focus();
      open?.click();
    });
    await act(async () => typeInto(document.activeElement as HTMLInputElement, "Sale"));
    const saveButton = button("Save");
    await act(async () => {
      saveButton?.focus();
      saveButton?.click();
    });
    await settle();
    expect(api.templates.create.mutate).toHaveBeenCalled();
    expect(m?.host.querySelector("form")).toBeNull();
    expect(document.activeElement).toBe(open);
  });
});

describe("TemplateForm opened on another template", () => {
  const template = (id: string, name: string, price: number) => ({
    id,
    name,
    description: "",
    fields: { price },
    useCount: 0,
    updatedAt: new Date(0).toISOString(),
    mine: true,
  });

  it("shows and saves the template whose Edit was clicked last", async () => {
    api.templates.list.query.mockResolvedValue({
      items: [template("t-1", "Alpha", 10), template("t-2", "Beta", 20)],
    });
    api.templates.update.mutate.mockResolvedValue({});
    m = await mountWithApp(<TemplatesScreen />);
    await settle();
    const edits = () =>
      [...(m?.host.querySelectorAll("button") ?? [])].filter((b) => b.textContent === "Edit");
    await act(async () => edits()[0]?.click());
    const name = () => m?.host.querySelector<HTMLInputElement>("form input[required]");
    expect(name()?.value).toBe("Alpha");
    await act(async () => edits()[1]?.click());
    expect(name()?.value).toBe("Beta");
    expect(valueBox("price").value).toBe("20");
    await save();
    expect(api.templates.update.mutate).toHaveBeenCalledWith(
      expect.objectContaining({ id: "t-2", name: "Beta", fields: { price: 20 } }),
    );
  });
});
