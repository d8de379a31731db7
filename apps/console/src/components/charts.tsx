/** One bar. */
export interface Datum {
  label: string;
  value: number;
  color?: string;
  title?: string;
}

const fmt = (n: number) => n.toLocaleString();

/** Horizontal bars with labels; a table for screen readers. */
export function BarChart({ data, label }: { data: Datum[]; label: string }) {
  const max = Math.max(1, ...data.map((d) => d.value));
  const rowH = 26;
  const labelW = 200;
  const w = 520;
  const h = Math.max(rowH, data.length * rowH);
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${w} ${h}`}
        role="img"
        aria-label={label}
        preserveAspectRatio="xMinYMin meet"
      >
        {data.map((d, i) => {
          const bw = ((w - labelW - 60) * d.value) / max;
          const y = i * rowH;
          return (
            <g key={d.label}>
              <title>{d.title ?? `${d.label}: ${fmt(d.value)}`}</title>
              <text x={labelW - 8} y={y + rowH / 2 + 4} textAnchor="end" className="ch-label">
                {d.label.length > 28 ? `${d.label.slice(0, 27)}…` : d.label}
              </text>
              <rect
                x={labelW}
                y={y + 4}
                width={Math.max(1, bw)}
                height={rowH - 8}
                rx={3}
                fill={d.color ?? "var(--accent)"}
              />
              <text x={labelW + bw + 6} y={y + rowH / 2 + 4} className="ch-value">
                {fmt(d.value)}
              </text>
            </g>
          );
        })}
      </svg>
      <DataTable data={data} caption={label} />
    </figure>
  );
}

/** Vertical columns (histograms, time series). */
export function ColumnChart({ data, label }: { data: Datum[]; label: string }) {
  const max = Math.max(1, ...data.map((d) => d.value));
  const w = 720;
  const h = 200;
  const pad = 24;
  const bw = (w - pad) / Math.max(1, data.length);
  const every = Math.ceil(data.length / 12);
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${w} ${h + 20}`}
        role="img"
        aria-label={label}
        preserveAspectRatio="xMinYMin meet"
      >
        <line x1={pad} x2={w} y1={h} y2={h} className="ch-axis" />
        <text x={0} y={12} className="ch-value">
          {fmt(max)}
        </text>
        {data.map((d, i) => {
          const bh = ((h - 16) * d.value) / max;
          const x = pad + i * bw;
          return (
            <g key={`${d.label}|${d.title ?? ""}`}>
              <title>{d.title ?? `${d.label}: ${fmt(d.value)}`}</title>
              <rect
                x={x + 2}
                y={h - bh}
                width={Math.max(1, bw - 4)}
                height={Math.max(d.value ? 1 : 0, bh)}
                rx={2}
                fill={d.color ?? "var(--accent)"}
              />
              {i % every === 0 && (
                <text x={x + bw / 2} y={h + 14} textAnchor="middle" className="ch-label small">
                  {d.label}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <DataTable data={data} caption={label} />
    </figure>
  );
}

/** Two-part horizontal bars (e.g. valid vs invalid per marketplace). */
export function StackedBars({
  data,
  label,
  aLabel,
  bLabel,
}: {
  data: { label: string; a: number; b: number }[];
  label: string;
  aLabel: string;
  bLabel: string;
}) {
  const w = 520;
  const rowH = 34;
  const labelW = 90;
  const h = data.length * rowH + 24;
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${w} ${h}`}
        role="img"
        aria-label={label}
        preserveAspectRatio="xMinYMin meet"
      >
        {data.map((d, i) => {
          const total = Math.max(1, d.a + d.b);
          const aw = ((w - labelW - 10) * d.a) / total;
          const bw = ((w - labelW - 10) * d.b) / total;
          const y = i * rowH;
          return (
            <g key={d.label}>
              <title>{`${d.label}: ${fmt(d.a)} ${aLabel}, ${fmt(d.b)} ${bLabel}`}</title>
              <text x={labelW - 8} y={y + rowH / 2 + 4} textAnchor="end" className="ch-label">
                {d.label}
              </text>
              <rect x={labelW} y={y + 6} width={aw} height={rowH - 12} fill="var(--green)" rx={3} />
              <rect
                x={labelW + aw}
                y={y + 6}
                width={bw}
                height={rowH - 12}
                fill="var(--red)"
                rx={3}
              />
              <text x={labelW + 6} y={y + rowH / 2 + 4} className="ch-in">
                {d.a ? `${Math.round((100 * d.a) / total)}% ${aLabel}` : ""}
              </text>
            </g>
          );
        })}
        <g transform={`translate(${labelW}, ${h - 14})`}>
          <rect width={10} height={10} fill="var(--green)" rx={2} />
          <text x={14} y={9} className="ch-label small">
            {aLabel}
          </text>
          <rect x={80} width={10} height={10} fill="var(--red)" rx={2} />
          <text x={94} y={9} className="ch-label small">
            {bLabel}
          </text>
        </g>
      </svg>
      <table className="sr-only">
        <caption>{label}</caption>
        <thead>
          <tr>
            <th scope="col">Marketplace</th>
            <th scope="col">{aLabel}</th>
            <th scope="col">{bLabel}</th>
          </tr>
        </thead>
        <tbody>
          {data.map((d) => (
            <tr key={d.label}>
              <th scope="row">{d.label}</th>
              <td>{d.a}</td>
              <td>{d.b}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function DataTable({ data, caption }: { data: Datum[]; caption: string }) {
  return (
    <table className="sr-only">
      <caption>{caption}</caption>
      <tbody>
        {data.map((d) => (
          <tr key={`${d.label}|${d.title ?? ""}`}>
            <th scope="row">{d.label}</th>
            <td>{d.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
