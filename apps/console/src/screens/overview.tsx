import { useEffect, useState } from "react";
import { api, type Outputs } from "../api/client";
import { useApp } from "../app-context";
import { BarChart, ColumnChart, StackedBars } from "../components/charts";
import { MARKETPLACE_LABEL, type Marketplace } from "../lib/columns";
import { errorMessage } from "../lib/save-logic";

type Overview = Outputs["analytics"]["overview"];

/** An amount in `currency` (ISO 4217), as the browser's locale writes it. */
export function money(v: number | null, currency: string | null): string {
  if (v === null) return "—";
  if (!currency) return v.toLocaleString();
  try {
    return v.toLocaleString(undefined, { style: "currency", currency, maximumFractionDigits: 2 });
  } catch {
    return `${v.toLocaleString()} ${currency}`;
  }
}

/** Catalog overview: status, category, marketplace validity, prices and recent changes (SVG charts). */
export function OverviewScreen() {
  const app = useApp();
  const [data, setData] = useState<Overview | null>(null);
  const [days, setDays] = useState(30);
  useEffect(() => {
    let alive = true;
    api.analytics.overview
      .query({ days })
      .then((d) => alive && setData(d))
      .catch((err) => app.toast("error", errorMessage(err)));
    return () => {
      alive = false;
    };
  }, [days, app]);
  if (!data)
    return (
      <div className="page" aria-busy="true">
        <h1>Overview</h1>
        <p className="muted">Loading…</p>
      </div>
    );
  const cur = data.totals.currency;
  const others = data.byCurrency.slice(1);
  const statusColor: Record<string, string> = {
    active: "var(--green)",
    draft: "var(--amber)",
    archived: "var(--gray)",
  };
  return (
    <div className="page wide">
      <div className="page-head">
        <h1>Catalog overview</h1>
        <label className="compact">
          <span>Changes over</span>
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            <option value={7}>7 days</option>
            <option value={30}>30 days</option>
            <option value={90}>90 days</option>
          </select>
        </label>
      </div>
      <div className="kpis">
        <div className="kpi">
          <span className="kpi-label">Listings</span>
          <span className="kpi-value">{data.totals.listings.toLocaleString()}</span>
        </div>
        <div className="kpi">
          <span className="kpi-label">Inventory value</span>
          <span className="kpi-value">{money(data.totals.inventoryValue, cur)}</span>
        </div>
        <div className="kpi">
          <span className="kpi-label">Average price</span>
          <span className="kpi-value">{money(data.totals.avgPrice, cur)}</span>
        </div>
        <div className="kpi">
          <span className="kpi-label">Price range</span>
          <span className="kpi-value small">
            {money(data.totals.minPrice, cur)} – {money(data.totals.maxPrice, cur)}
          </span>
        </div>
      </div>
      {others.length > 0 && (
        <p className="muted small" data-testid="other-currencies">
          Prices above are for the {data.byCurrency[0]?.listings.toLocaleString()} listings in {cur}
          . Also:{" "}
          {others
            .map(
              (c) =>
                `${c.listings.toLocaleString()} in ${c.currency} (value ${money(c.inventoryValue, c.currency)})`,
            )
            .join(", ")}
          .
        </p>
      )}
      <div className="charts">
        <section className="card">
          <h2>By status</h2>
          <BarChart
            label="Listings by status"
            data={data.byStatus.map((s) => ({
              label: s.status,
              value: s.count,
              color: statusColor[s.status],
            }))}
          />
        </section>
        <section className="card">
          <h2>Marketplace readiness</h2>
          <StackedBars
            label="Valid and invalid listings per marketplace"
            data={data.validity.map((v) => ({
              label: MARKETPLACE_LABEL[v.marketplace as Marketplace] ?? v.marketplace,
              a: v.valid,
              b: v.invalid,
            }))}
            aLabel="ready"
            bLabel="has issues"
          />
        </section>
        <section className="card">
          <h2>By category</h2>
          <BarChart
            label="Listings by category"
            data={data.byCategory.map((c) => ({ label: c.category, value: c.count }))}
          />
        </section>
        <section className="card">
          <h2>Price distribution{others.length > 0 && cur ? ` (${cur})` : ""}</h2>
          <ColumnChart
            label="Number of listings per price band"
            data={data.priceHistogram.map((b) => ({
              label: `${Math.round(b.from)}–${Math.round(b.to)}`,
              value: b.count,
              title: `${b.from}–${b.to}: ${b.count} listing(s)`,
            }))}
          />
        </section>
        <section className="card span2">
          <h2>Changes per day</h2>
          <ColumnChart
            label="Rows changed per day"
            data={data.changesOverTime.map((d) => ({
              label: d.day.slice(5),
              value: d.rows,
              title: `${d.day}: ${d.changeSets} change set(s), ${d.rows} row(s)`,
            }))}
          />
        </section>
      </div>
    </div>
  );
}
