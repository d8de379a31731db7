/**
 * Regenerates the committed OCR fixtures: `pnpm --filter @mbe/ocr exec tsx test/make-fixtures.ts`.
 * Every image is drawn from the same specs that produce its expected text and items, so the
 * ground truth can never drift from the pixels. Needs the DejaVu fonts (Debian fonts-dejavu-core).
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createCanvas, GlobalFonts, type SKRSContext2D } from "@napi-rs/canvas";
import { PDFDocument, StandardFonts } from "pdf-lib";
import sharp from "sharp";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "fixtures");

/** The fields a fixture promises the extractor will find. */
interface ExpectedItem {
  title: string;
  price: number;
  currency: string;
  quantity?: number;
  sku?: string;
  condition?: string;
}

interface TableRow {
  item: string;
  note?: string;
  sku: string;
  condition: string;
  qty: number;
  price: string;
  expected: ExpectedItem;
}

const FONT = "DejaVu Sans";
function registerFonts(): void {
  for (const file of ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"]) {
    const path = `/usr/share/fonts/truetype/dejavu/${file}`;
    if (!existsSync(path))
      throw new Error(`missing font ${path}: apt-get install fonts-dejavu-core`);
    GlobalFonts.registerFromPath(path, FONT);
  }
}

const cleanRows: TableRow[] = [
  {
    item: "Cordless Drill 18V",
    note: "with two batteries and charger",
    sku: "NW-1001",
    condition: "New",
    qty: 4,
    price: "$129.99",
    expected: {
      title: "Cordless Drill 18V",
      price: 129.99,
      currency: "USD",
      quantity: 4,
      sku: "NW-1001",
      condition: "new",
    },
  },
  {
    item: "Circular Saw",
    sku: "NW-1002",
    condition: "Used",
    qty: 1,
    price: "$85.00",
    expected: {
      title: "Circular Saw",
      price: 85,
      currency: "USD",
      quantity: 1,
      sku: "NW-1002",
      condition: "used",
    },
  },
  {
    item: "Orbital Sander",
    sku: "NW-1017",
    condition: "Refurbished",
    qty: 2,
    price: "$49.50",
    expected: {
      title: "Orbital Sander",
      price: 49.5,
      currency: "USD",
      quantity: 2,
      sku: "NW-1017",
      condition: "refurbished",
    },
  },
  {
    item: "Laser Level Pro",
    sku: "NW-2040",
    condition: "New",
    qty: 3,
    price: "$1,299.00",
    expected: {
      title: "Laser Level Pro",
      price: 1299,
      currency: "USD",
      quantity: 3,
      sku: "NW-2040",
      condition: "new",
    },
  },
  {
    item: "Shop Vacuum",
    sku: "NW-3100",
    condition: "Open box",
    qty: 6,
    price: "USD 40",
    expected: {
      title: "Shop Vacuum",
      price: 40,
      currency: "USD",
      quantity: 6,
      sku: "NW-3100",
      condition: "open box",
    },
  },
  {
    item: "Bench Grinder",
    sku: "NW-3125",
    condition: "Used",
    qty: 2,
    price: "12.50 each",
    expected: {
      title: "Bench Grinder",
      price: 12.5,
      currency: "USD",
      quantity: 2,
      sku: "NW-3125",
      condition: "used",
    },
  },
  {
    item: "Tile Cutter",
    sku: "NW-4410",
    condition: "New",
    qty: 5,
    price: "1.299,00 €",
    expected: {
      title: "Tile Cutter",
      price: 1299,
      currency: "EUR",
      quantity: 5,
      sku: "NW-4410",
      condition: "new",
    },
  },
  {
    item: "Work Light",
    sku: "NW-4502",
    condition: "Like new",
    qty: 12,
    price: "£18.75",
    expected: {
      title: "Work Light",
      price: 18.75,
      currency: "GBP",
      quantity: 12,
      sku: "NW-4502",
      condition: "like new",
    },
  },
];

const noisyRows: TableRow[] = [
  ["Vintage Desk Lamp", "LMP-204", "Used", 2, "$45.00", 45, "USD"],
  ["Oak Bookshelf", "FRN-310", "Used", 1, "$120.00", 120, "USD"],
  ["Espresso Machine", "KIT-552", "Refurbished", 3, "$249.00", 249, "USD"],
  ["Road Bike Helmet", "SPT-118", "New", 8, "$35.50", 35.5, "USD"],
  ["Wool Area Rug", "HOM-907", "New", 2, "$189.00", 189, "USD"],
  ["Camping Stove", "OUT-061", "Used", 4, "$27.25", 27.25, "USD"],
].map(([item, sku, condition, qty, price, amount, currency]) => ({
  item: String(item),
  sku: String(sku),
  condition: String(condition),
  qty: Number(qty),
  price: String(price),
  expected: {
    title: String(item),
    price: Number(amount),
    currency: String(currency),
    quantity: Number(qty),
    sku: String(sku),
    condition: String(condition).toLowerCase(),
  },
}));

const pdfRows: TableRow[] = [
  ["Ceramic Dinner Plates", "HW-0101", "New", 24, "$3.25", 3.25],
  ["Cast Iron Skillet", "HW-0150", "Used", 2, "$28.00", 28],
  ["Chef Knife 8 in", "HW-0233", "New", 6, "$64.90", 64.9],
  ["Stand Mixer", "HW-0310", "Refurbished", 1, "$1,049.00", 1049],
  ["Glass Storage Jars", "HW-0412", "New", 18, "$7.80", 7.8],
].map(([item, sku, condition, qty, price, amount]) => ({
  item: String(item),
  sku: String(sku),
  condition: String(condition),
  qty: Number(qty),
  price: String(price),
  expected: {
    title: String(item),
    price: Number(amount),
    currency: "USD",
    quantity: Number(qty),
    sku: String(sku),
    condition: String(condition).toLowerCase(),
  },
}));

interface CatalogEntry {
  title: string;
  sku: string;
  description: string[];
  condition: string;
  qty: number;
  price: string;
  expected: ExpectedItem;
}

function entry(
  title: string,
  sku: string,
  description: string[],
  condition: string,
  qty: number,
  price: string,
  amount: number,
  currency: string,
): CatalogEntry {
  return {
    title,
    sku,
    description,
    condition,
    qty,
    price,
    expected: {
      title,
      price: amount,
      currency,
      quantity: qty,
      sku,
      condition: condition.toLowerCase(),
    },
  };
}

const catalogLeft: CatalogEntry[] = [
  entry(
    "Impact Driver",
    "GD-2201",
    ["Brushless motor with belt", "clip and LED light."],
    "New",
    3,
    "$89.99",
    89.99,
    "USD",
  ),
  entry(
    "Hedge Trimmer",
    "GD-2250",
    ["Dual action blades, 22 inch", "cutting length."],
    "Used",
    1,
    "$55.00",
    55,
    "USD",
  ),
  entry(
    "Leaf Blower",
    "GD-2310",
    ["Cordless, variable speed,", "battery not included."],
    "Refurbished",
    2,
    "$74.50",
    74.5,
    "USD",
  ),
  entry(
    "Pressure Washer",
    "GD-2475",
    ["2000 PSI with three", "quick connect nozzles."],
    "New",
    1,
    "$1,150.00",
    1150,
    "USD",
  ),
];
const catalogRight: CatalogEntry[] = [
  entry(
    "Garden Hose Reel",
    "GH-0310",
    ["Holds 150 feet of hose,", "powder coated steel."],
    "Used",
    1,
    "EUR 24.00",
    24,
    "EUR",
  ),
  entry(
    "Wheelbarrow",
    "GH-0355",
    ["Six cubic feet, steel", "tray and rubber tire."],
    "New",
    5,
    "€119,90",
    119.9,
    "EUR",
  ),
  entry(
    "Pruning Shears",
    "GH-0402",
    ["Bypass blades with", "soft grip handles."],
    "New",
    10,
    "€14,50",
    14.5,
    "EUR",
  ),
  entry(
    "Lawn Spreader",
    "GH-0460",
    ["Broadcast spreader for", "seed and fertilizer."],
    "Used",
    2,
    "€39,00",
    39,
    "EUR",
  ),
];

/** A4 at 150 dpi. */
const PAGE_W = 1240;
const PAGE_H = 1754;

function drawTable(
  ctx: SKRSContext2D,
  title: string,
  subtitle: string,
  rows: TableRow[],
  size: number,
): string[] {
  const lines: string[] = [title, subtitle];
  const cols = [90, 540, 700, 935, 1015];
  const lineH = Math.round(size * 1.9);
  ctx.fillStyle = "#000";
  ctx.font = `bold ${Math.round(size * 1.5)}px "${FONT}"`;
  let y = 150;
  ctx.fillText(title, cols[0] ?? 0, y);
  y += lineH;
  ctx.font = `${size}px "${FONT}"`;
  ctx.fillText(subtitle, cols[0] ?? 0, y);
  y += lineH * 1.6;
  const header = ["Item", "SKU", "Condition", "Qty", "Price"];
  ctx.font = `bold ${size}px "${FONT}"`;
  header.forEach((h, i) => {
    ctx.fillText(h, cols[i] ?? 0, y);
  });
  lines.push(header.join(" "));
  ctx.fillRect(cols[0] ?? 0, y + 12, 1060, 2);
  y += lineH * 1.2;
  for (const row of rows) {
    ctx.font = `${size}px "${FONT}"`;
    const cells = [row.item, row.sku, row.condition, String(row.qty), row.price];
    cells.forEach((c, i) => {
      ctx.fillText(c, cols[i] ?? 0, y);
    });
    lines.push(cells.join(" "));
    if (row.note) {
      y += Math.round(lineH * 0.8);
      ctx.font = `${Math.round(size * 0.8)}px "${FONT}"`;
      ctx.fillText(row.note, cols[0] ?? 0, y);
      lines.push(row.note);
    }
    y += lineH;
  }
  return lines;
}

function drawCatalog(ctx: SKRSContext2D, size: number): string[] {
  const lines: string[] = [];
  const heading = "Greenfield Garden Catalog";
  ctx.fillStyle = "#000";
  ctx.font = `bold ${Math.round(size * 1.6)}px "${FONT}"`;
  ctx.fillText(heading, 90, 140);
  lines.push(heading);
  const columnX = [90, 670];
  const lineH = Math.round(size * 1.45);
  [catalogLeft, catalogRight].forEach((entries, col) => {
    const x = columnX[col] ?? 0;
    let y = 260;
    for (const e of entries) {
      ctx.font = `bold ${Math.round(size * 1.15)}px "${FONT}"`;
      ctx.fillText(e.title, x, y);
      lines.push(e.title);
      y += lineH;
      ctx.font = `${size}px "${FONT}"`;
      const body = [
        `SKU: ${e.sku}`,
        ...e.description,
        `Condition: ${e.condition}  Qty: ${e.qty}`,
        e.price,
      ];
      for (const line of body) {
        ctx.fillText(line, x, y);
        lines.push(line.replace(/\s+/g, " "));
        y += lineH;
      }
      y += lineH * 0.9;
    }
  });
  return lines;
}

async function canvasPng(draw: (ctx: SKRSContext2D) => string[]): Promise<{
  png: Buffer;
  lines: string[];
}> {
  const canvas = createCanvas(PAGE_W, PAGE_H);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, PAGE_W, PAGE_H);
  const lines = draw(ctx);
  const raw = await canvas.encode("png");
  // Grayscale 4-bit palette keeps the committed PNGs small without touching glyph edges much.
  const png = await sharp(raw)
    .grayscale()
    .png({ palette: true, colours: 16, compressionLevel: 9 })
    .toBuffer();
  return { png, lines };
}

/** Deterministic PRNG so regenerating produces identical noise. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function photoLike(cleanPng: Buffer): Promise<Buffer> {
  const rotated = await sharp(cleanPng)
    .grayscale()
    .rotate(2.8, { background: "#ffffff" })
    .blur(0.9)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = rotated.info;
  const px = rotated.data;
  const rand = rng(42);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      // Light falls off towards the lower right like a phone photo under a desk lamp.
      const light = 1 - 0.45 * ((x / width) * 0.6 + (y / height) * 0.4);
      const noise = (rand() + rand() + rand() - 1.5) * 30;
      const v = (px[i] ?? 255) * light * 0.92 + 12 + noise;
      px[i] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return sharp(px, { raw: { width, height, channels: 1 } })
    .resize({ width: Math.round(width * 0.85) })
    .jpeg({ quality: 60, mozjpeg: true })
    .toBuffer();
}

async function textLayerPdf(): Promise<{ pdf: Uint8Array; lines: string[] }> {
  const doc = await PDFDocument.create();
  doc.setTitle("Harbor Kitchenware price list");
  doc.setCreationDate(new Date("2026-01-01T00:00:00Z"));
  doc.setModificationDate(new Date("2026-01-01T00:00:00Z"));
  const page = doc.addPage([612, 792]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const lines: string[] = [];
  const cols = [50, 260, 350, 450, 500];
  let y = 720;
  const title = "Harbor Kitchenware";
  page.drawText(title, { x: 50, y, size: 20, font: bold });
  lines.push(title);
  y -= 28;
  const sub = "Restaurant supply price list";
  page.drawText(sub, { x: 50, y, size: 12, font });
  lines.push(sub);
  y -= 36;
  const header = ["Item", "SKU", "Condition", "Qty", "Price"];
  header.forEach((h, i) => {
    page.drawText(h, { x: cols[i] ?? 0, y, size: 11, font: bold });
  });
  lines.push(header.join(" "));
  y -= 22;
  for (const row of pdfRows) {
    const cells = [row.item, row.sku, row.condition, String(row.qty), row.price];
    cells.forEach((c, i) => {
      page.drawText(c, { x: cols[i] ?? 0, y, size: 11, font });
    });
    lines.push(cells.join(" "));
    y -= 20;
  }
  return { pdf: await doc.save({ useObjectStreams: false }), lines };
}

/** Wraps PNG pages into a PDF with no text layer, one image per Letter page. */
export async function imageOnlyPdf(pngs: Uint8Array[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setCreationDate(new Date("2026-01-01T00:00:00Z"));
  doc.setModificationDate(new Date("2026-01-01T00:00:00Z"));
  for (const png of pngs) {
    const image = await doc.embedPng(png);
    const page = doc.addPage([595, 842]);
    page.drawImage(image, { x: 0, y: 0, width: 595, height: 842 });
  }
  return doc.save();
}

async function writeFixture(
  name: string,
  file: string,
  bytes: Uint8Array,
  lines: string[],
  items: ExpectedItem[],
): Promise<void> {
  await writeFile(join(out, file), bytes);
  await writeFile(join(out, `${name}.expected.txt`), `${lines.join("\n")}\n`);
  await writeFile(
    join(out, `${name}.expected.json`),
    `${JSON.stringify({ file, items }, null, 2)}\n`,
  );
  console.log(`${file}: ${bytes.byteLength} bytes, ${lines.length} lines, ${items.length} items`);
}

async function main(): Promise<void> {
  registerFonts();
  await mkdir(out, { recursive: true });
  const clean = await canvasPng((ctx) =>
    drawTable(ctx, "Northwind Tool Supply", "Wholesale price list - March 2026", cleanRows, 24),
  );
  await writeFixture(
    "clean-price-list",
    "clean-price-list.png",
    clean.png,
    clean.lines,
    cleanRows.map((r) => r.expected),
  );

  const noisySource = await canvasPng((ctx) =>
    drawTable(ctx, "Attic Finds Resale", "Weekend stock list", noisyRows, 30),
  );
  const noisy = await photoLike(noisySource.png);
  await writeFixture(
    "noisy-scan",
    "noisy-scan.jpg",
    noisy,
    noisySource.lines,
    noisyRows.map((r) => r.expected),
  );

  const catalog = await canvasPng((ctx) => drawCatalog(ctx, 24));
  const catalogItems = [...catalogLeft, ...catalogRight].map((e) => e.expected);
  await writeFixture(
    "two-column-catalog",
    "two-column-catalog.png",
    catalog.png,
    catalog.lines,
    catalogItems,
  );

  const textPdf = await textLayerPdf();
  await writeFixture(
    "text-layer",
    "text-layer.pdf",
    textPdf.pdf,
    textPdf.lines,
    pdfRows.map((r) => r.expected),
  );

  const scanned = await imageOnlyPdf([catalog.png]);
  await writeFixture("image-only", "image-only.pdf", scanned, catalog.lines, catalogItems);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
