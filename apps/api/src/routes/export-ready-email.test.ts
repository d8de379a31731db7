import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, signUp, type TestApi, waitFor } from "../../test/harness";
import { startTestSmtp, type TestSmtp } from "../../test/smtp";

const PUBLIC_URL = "https://editor.example.test";

let smtp: TestSmtp;
let api: TestApi;
beforeAll(async () => {
  smtp = await startTestSmtp();
  api = await createTestApi(
    {
      SMTP_URL: smtp.url,
      PUBLIC_URL,
      RATE_LIMIT_PER_MINUTE: "100000",
      EXPORTS_PER_HOUR: "1000",
    },
    { workers: true },
  );
});
afterAll(async () => {
  await api.close();
  await smtp.close();
});

async function seed(token: string, n: number) {
  const rows = Array.from({ length: n }, (_, i) => ({
    title: `Mailed item ${i}`,
    price: 5 + i,
    sku: `MAIL-${i}`,
    condition: "New",
    status: "active",
  }));
  const r = await call(api, "POST", "/v1/listings/bulk", { token, body: { rows } });
  expect(r.status).toBe(200);
}

describe("export-ready email", () => {
  it("emails the owner a signed link when a background export finishes", async () => {
    const s = await signUp(api, "exporter");
    await seed(s.accessToken, 12);
    const queued = await call<{ id: string }>(api, "POST", "/v1/exports", {
      token: s.accessToken,
      body: { format: "csv", mode: "job" },
    });
    expect(queued.status).toBe(202);

    const mail = await smtp.waitFor(s.email, 20_000);
    expect(mail.subject).toBe("Your export is ready");
    expect(mail.text).toContain("12 listings");
    const m = /(https:\/\/editor\.example\.test)(\/v1\/exports\/([0-9a-f-]+)\/download\?\S+)/.exec(
      mail.text,
    );
    expect(m?.[3]).toBe(queued.body.id);
    const path = m?.[2] as string;

    // The link is the credential: no Authorization header, as when opened from a mail client.
    const file = await api.app.request(path);
    expect(file.status).toBe(200);
    const csv = await file.text();
    expect(csv).toContain("Mailed item 0");
    expect(csv).toContain("Mailed item 11");
    // Valid for a day, unlike the console's 15-minute links.
    const exp = Number(new URL(path, PUBLIC_URL).searchParams.get("exp"));
    expect(exp - Date.now() / 1000).toBeGreaterThan(23 * 3600);
    const tampered = await api.app.request(path.replace(/sig=./, "sig=A"));
    expect(tampered.status).toBe(401);
  });

  it("sends nothing for a small export streamed straight back", async () => {
    const s = await signUp(api, "streamer");
    await seed(s.accessToken, 3);
    const res = await api.app.request("/v1/exports", {
      method: "POST",
      headers: { authorization: `Bearer ${s.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ format: "csv" }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Mailed item 2");

    // A background export afterwards is mailed; by then a mail for the stream would have come.
    const queued = await call<{ id: string }>(api, "POST", "/v1/exports", {
      token: s.accessToken,
      body: { format: "json", mode: "job" },
    });
    expect(queued.status).toBe(202);
    await smtp.waitFor(s.email, 20_000);
    await waitFor(async () => {
      const r = await call<{ status: string }>(api, "GET", `/v1/exports/${queued.body.id}`, {
        token: s.accessToken,
      });
      return r.body.status === "completed";
    });
    expect(smtp.to(s.email)).toHaveLength(1);
    expect(smtp.to(s.email)[0]?.text).toContain(`/v1/exports/${queued.body.id}/download`);
  });
});
