import { useCallback, useEffect, useRef, useState } from "react";
import { api, type Outputs } from "../api/client";
import { useApp } from "../app-context";
import { errorMessage } from "../lib/save-logic";

type Entry = Outputs["auditLogs"]["list"]["items"][number];

/** The audit log of the seller's account (everyone's for admins who ask), newest first. */
export function AuditScreen() {
  const app = useApp();
  const [items, setItems] = useState<Entry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [action, setAction] = useState("");
  const [all, setAll] = useState(false);
  /** The latest request; answers to older ones (a filter typed over since) are dropped. */
  const seq = useRef(0);
  const load = useCallback(
    async (before?: string) => {
      const mine = ++seq.current;
      setLoading(true);
      try {
        const r = await api.auditLogs.list.query({
          limit: 100,
          ...(before ? { before: Number(before) } : {}),
          ...(action ? { action } : {}),
          ...(all ? { all: true } : {}),
        });
        if (mine !== seq.current) return;
        setItems((prev) => (before ? [...prev, ...r.items] : r.items));
        setCursor(r.nextCursor);
      } catch (err) {
        if (mine === seq.current) app.toast("error", errorMessage(err));
      } finally {
        if (mine === seq.current) setLoading(false);
      }
    },
    [action, all, app],
  );
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <div className="page wide">
      <div className="page-head">
        <h1>Audit log</h1>
        <label className="compact">
          <span>Action</span>
          <input
            value={action}
            placeholder="e.g. listing.update"
            onChange={(e) => setAction(e.target.value)}
            maxLength={100}
          />
        </label>
        {app.me.role === "admin" && (
          <label className="check">
            <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> All
            sellers
          </label>
        )}
      </div>
      <table className="data" aria-busy={loading}>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Action</th>
            <th scope="col">Outcome</th>
            <th scope="col">Resource</th>
            <th scope="col">Actor</th>
            <th scope="col">IP</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.id}>
              <td className="nowrap small">{new Date(e.createdAt).toLocaleString()}</td>
              <td>
                <code>{e.action}</code>
              </td>
              <td>
                <span className={`pill ${e.outcome === "success" ? "pill-active" : "pill-error"}`}>
                  {e.outcome}
                </span>
              </td>
              <td className="small">
                {e.resourceType}
                {e.resourceId ? ` ${String(e.resourceId).slice(0, 8)}` : ""}
              </td>
              <td className="small">{e.actorType}</td>
              <td className="small">{e.ip ?? ""}</td>
              <td className="small ellipsis" title={JSON.stringify(e.details)}>
                {JSON.stringify(e.details)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!loading && items.length === 0 && <p className="empty-inline">No entries.</p>}
      {cursor && (
        <button type="button" className="btn" disabled={loading} onClick={() => void load(cursor)}>
          Load older
        </button>
      )}
    </div>
  );
}
