/**
 * Chroma down: search answers 503 with a code while saves keep succeeding; once Chroma is back the
 * index catches up, so a listing saved during the outage becomes findable.
 */
import {
  json,
  registerSeller,
  type Seller,
  sleep,
  startApi,
  startPrivateChroma,
  waitFor,
} from "../processes";
import { type FaultEnv, scenarioEnv } from "./env";

const OUTAGE_MS = Number(process.env.FAULTS_CHROMA_OUTAGE_MS ?? 20_000);

interface Hits {
  items: { listing: { id: string; title: string }; semanticScore?: number }[];
}

async function findable(apiUrl: string, seller: Seller, q: string, id: string): Promise<boolean> {
  const r = await fetch(`${apiUrl}/v1/search?q=${encodeURIComponent(q)}&limit=5`, {
    headers: seller.headers,
  });
  if (r.status !== 200) return false;
  const body = (await r.json()) as Hits;
  return body.items.some((h) => h.listing.id === id && (h.semanticScore ?? 0) > 0);
}

export async function chromaDown(env: FaultEnv) {
  const { v } = env;
  const chroma = await startPrivateChroma();
  const { appEnv } = await scenarioEnv(env, "chroma", {
    CHROMA_URL: chroma.url,
    SEARCH_ENABLED: "1",
    RUN_WORKERS: "1",
  });
  const api = await startApi(appEnv);
  try {
    const seller = await registerSeller(api.url, "chroma");
    const post = (title: string, price: number) =>
      fetch(`${api.url}/v1/listings`, {
        method: "POST",
        headers: seller.headers,
        body: JSON.stringify({ title, price }),
      });
    const base = await json<{ id: string }>(await post("Vintage road bicycle, steel frame", 240));
    await waitFor(
      "the first listing to be indexed",
      () => findable(api.url, seller, "road bicycle", base.id),
      30_000,
      100,
    );

    await chroma.kill();
    const downAt = Date.now();
    const saves: number[] = [];
    const r1 = await post("Espresso machine with milk frother", 180);
    saves.push(r1.status);
    const during = (await r1.json()) as { id: string };
    const patch = await fetch(`${api.url}/v1/listings/${base.id}`, {
      method: "PATCH",
      headers: seller.headers,
      body: JSON.stringify({ title: "Vintage road bicycle, steel frame, new tyres" }),
    });
    saves.push(patch.status);
    await patch.arrayBuffer();
    const searches = new Map<string, number>();
    let retryAfter: string | null = null;
    while (Date.now() - downAt < OUTAGE_MS) {
      const r = await fetch(`${api.url}/v1/search?q=espresso`, { headers: seller.headers });
      const body = (await r.json()) as { error?: { code?: string } };
      const key = `${r.status} ${body.error?.code ?? ""}`.trim();
      searches.set(key, (searches.get(key) ?? 0) + 1);
      retryAfter ??= r.headers.get("retry-after");
      // More saves through the outage; each queues an index job that cannot run yet.
      const s = await post(`Outage save ${searches.size}-${Date.now()}`, 5);
      saves.push(s.status);
      await s.arrayBuffer();
      await sleep(1000);
    }
    const all503 = [...searches.keys()].every((k) => /^503 [A-Z_]+$/.test(k));
    const savesOk = saves.every((s) => s === 200 || s === 201);
    v.check(
      "d. search while Chroma is down",
      all503 && searches.size > 0,
      `${[...searches.entries()].map(([k, n]) => `${k}×${n}`).join(", ")} over ${(OUTAGE_MS / 1000).toFixed(0)} s; Retry-After=${retryAfter}`,
    );
    v.check(
      "d. saves while Chroma is down",
      savesOk && saves.length >= 3,
      `${saves.length} saves (POST and PATCH /v1/listings): ${saves.join(" ")}`,
    );

    await chroma.start();
    const upAt = performance.now();
    let caughtUp = true;
    try {
      await waitFor(
        "the listing saved during the outage to become findable",
        () => findable(api.url, seller, "espresso machine", during.id),
        60_000,
        250,
      );
    } catch {
      caughtUp = false;
    }
    const catchS = (performance.now() - upAt) / 1000;
    v.check(
      "d. index catches up after Chroma returns",
      caughtUp,
      caughtUp
        ? `listing saved during a ${(OUTAGE_MS / 1000).toFixed(0)} s outage found semantically ${catchS.toFixed(1)} s after Chroma restarted`
        : `listing saved during the outage still not found ${catchS.toFixed(0)} s after Chroma restarted`,
    );
  } finally {
    await api.kill();
    await chroma.stop();
  }
}
