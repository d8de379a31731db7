import bcrypt from "bcryptjs";
import { sql } from "drizzle-orm";
import type { Db } from "./client";
import { listings, type NewListing } from "./schema/listings";
import { templates } from "./schema/templates";
import { users } from "./schema/users";

export const DEMO_EMAIL = "demo@example.com";
export const DEMO_ADMIN_EMAIL = "admin@example.com";

const CATALOG: Array<{ category: string; items: string[]; price: [number, number] }> = [
  {
    category: "Electronics//Solar Panels",
    items: ["100W Monocrystalline Solar Panel", "200W Flexible Solar Panel", "400W Bifacial Panel"],
    price: [60, 420],
  },
  {
    category: "Electronics//Batteries",
    items: ["12V 100Ah LiFePO4 Deep Cycle Battery", "12V 50Ah AGM Battery", "Power Bank 20000mAh"],
    price: [25, 650],
  },
  {
    category: "Electronics//Cell Phones",
    items: ["iPhone 13 128GB", "Samsung Galaxy S22", "Google Pixel 7", "Moto G Power"],
    price: [90, 700],
  },
  {
    category: "Electronics//Computers & Tablets",
    items: ["MacBook Air M1 8GB", "Dell XPS 13 Laptop", "iPad 9th Gen 64GB", "ThinkPad T480"],
    price: [150, 1300],
  },
  {
    category: "Home & Garden//Furniture",
    items: ["Solid Oak Dining Table", "Mid-Century Armchair", "IKEA Kallax Shelf", "Leather Sofa"],
    price: [30, 900],
  },
  {
    category: "Home & Garden//Tools",
    items: ["DeWalt 20V Cordless Drill", "Makita Circular Saw", "Craftsman Tool Set 230pc"],
    price: [25, 350],
  },
  {
    category: "Sporting Goods//Bicycles",
    items: ["Trek FX 2 Hybrid Bike", "Kids 16in Bike", "Specialized Rockhopper MTB"],
    price: [60, 1100],
  },
  {
    category: "Clothing & Accessories//Shoes",
    items: ["Nike Air Max 90 Size 10", "Dr. Martens 1460 Boots", "Adidas Ultraboost 22"],
    price: [20, 180],
  },
  {
    category: "Toys & Games//Video Games",
    items: ["Nintendo Switch OLED", "PS5 DualSense Controller", "Zelda Tears of the Kingdom"],
    price: [25, 380],
  },
  {
    category: "Musical Instruments//Guitars",
    items: ["Fender Player Stratocaster", "Yamaha FG800 Acoustic", "Epiphone Les Paul Special"],
    price: [120, 900],
  },
];
const CONDITIONS = ["New", "Used - Like New", "Used - Good", "Used - Fair"] as const;
const COLORS = ["Black", "White", "Silver", "Blue", "Red", "Green", "Gray"];

/** A small deterministic PRNG so the demo catalog is the same on every machine. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Realistic demo listings for one seller (deterministic for a given count). */
export function demoListings(ownerId: string, count: number, seed = 42): NewListing[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const rows: NewListing[] = [];
  for (let i = 0; i < count; i++) {
    const group = pick(CATALOG);
    const item = pick(group.items);
    const color = pick(COLORS);
    const condition = pick(CONDITIONS);
    const [lo, hi] = group.price;
    const price = Math.round(lo + rnd() * (hi - lo));
    rows.push({
      ownerId,
      title: `${item} - ${color}`,
      price: price.toFixed(2),
      condition,
      description: `${condition === "New" ? "Brand new in box" : "Lightly used, works perfectly"}. ${item} in ${color.toLowerCase()}. Pickup or local delivery.`,
      category: group.category,
      offerShipping: rnd() < 0.5,
      sku: `DEMO-${String(i + 1).padStart(5, "0")}`,
      quantity: 1 + Math.floor(rnd() * 5),
      status: rnd() < 0.7 ? "active" : rnd() < 0.8 ? "draft" : "archived",
      source: "manual",
    });
  }
  return rows;
}

export async function hashDemoPassword(password: string): Promise<string> {
  return bcrypt.hash(password, 10);
}

/**
 * Seeds the demo seller (with ~200 listings and two templates) and a demo admin, once:
 * an existing demo account is left untouched so the seller's edits survive restarts.
 */
export async function seedDemo(
  db: Db,
  opts: { password: string; adminPassword: string; listingCount?: number },
): Promise<{ created: boolean }> {
  const existing = await db
    .select({ id: users.id })
    .from(users)
    .where(sql`lower(${users.email}) = ${DEMO_EMAIL}`);
  if (existing.length > 0) return { created: false };
  return db.transaction(async (tx) => {
    const [seller] = await tx
      .insert(users)
      .values({
        email: DEMO_EMAIL,
        passwordHash: await hashDemoPassword(opts.password),
        firstName: "Demo",
        lastName: "Seller",
      })
      .returning({ id: users.id });
    if (!seller) throw new Error("demo seller not created");
    await tx.insert(users).values({
      email: DEMO_ADMIN_EMAIL,
      passwordHash: await hashDemoPassword(opts.adminPassword),
      firstName: "Demo",
      lastName: "Admin",
      role: "admin",
    });
    const rows = demoListings(seller.id, opts.listingCount ?? 200);
    for (let i = 0; i < rows.length; i += 500)
      await tx.insert(listings).values(rows.slice(i, i + 500));
    await tx.insert(templates).values([
      {
        ownerId: seller.id,
        name: "Local pickup, used",
        description: "Used items sold locally without shipping",
        fields: { condition: "Used - Good", offerShipping: false, status: "active" },
      },
      {
        ownerId: seller.id,
        name: "Solar gear",
        description: "Category and shipping for solar panels",
        fields: { category: "Electronics//Solar Panels", offerShipping: true },
        isPublic: true,
      },
    ]);
    return { created: true };
  });
}
