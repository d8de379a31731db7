import { useCallback, useEffect, useState } from "react";
import { api, type Outputs } from "../api/client";
import { useApp } from "../app-context";
import { errorMessage } from "../lib/save-logic";

type Users = Outputs["admin"]["users"];
type Stats = Outputs["admin"]["stats"];

/** Administration: system stats and the sellers list with unlock / deactivate / reactivate. */
export function AdminScreen() {
  const app = useApp();
  const [users, setUsers] = useState<Users | null>(null);
  const [stats, setStats] = useState<Stats | null>(null);
  const [q, setQ] = useState("");
  const [offset, setOffset] = useState(0);
  const load = useCallback(async () => {
    try {
      const [u, s] = await Promise.all([
        api.admin.users.query({ q: q || undefined, limit: 50, offset }),
        api.admin.stats.query(),
      ]);
      setUsers(u);
      setStats(s);
    } catch (err) {
      app.toast("error", errorMessage(err));
    }
  }, [q, offset, app]);
  useEffect(() => {
    const t = setTimeout(() => void load(), 200);
    return () => clearTimeout(t);
  }, [load]);
  const act = async (label: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      app.toast("success", label);
      void load();
    } catch (err) {
      app.toast("error", errorMessage(err));
    }
  };
  return (
    <div className="page wide">
      <div className="page-head">
        <h1>Administration</h1>
        <button
          type="button"
          title="BullMQ dashboard: imports, exports, OCR and search-index jobs"
          onClick={async () => {
            try {
              // Navigation cannot carry the bearer token: trade it for a one-time link.
              const { url } = await api.admin.queuesTicket.mutate();
              window.location.assign(url);
            } catch (err) {
              app.toast("error", errorMessage(err));
            }
          }}
        >
          Job queues
        </button>
      </div>
      {stats && (
        <div className="kpis">
          <div className="kpi">
            <span className="kpi-label">Accounts</span>
            <span className="kpi-value">{stats.users.total}</span>
            <span className="muted small">
              {stats.users.active} active · {stats.users.locked} locked
            </span>
          </div>
          <div className="kpi">
            <span className="kpi-label">Listings</span>
            <span className="kpi-value">{stats.listings.total.toLocaleString()}</span>
          </div>
          <div className="kpi">
            <span className="kpi-label">Change sets (24 h)</span>
            <span className="kpi-value">{stats.activityLast24h.changeSets}</span>
          </div>
          <div className="kpi">
            <span className="kpi-label">Audit events (24 h)</span>
            <span className="kpi-value">{stats.activityLast24h.auditEvents}</span>
            <span className="muted small">{stats.activityLast24h.failedEvents} failed</span>
          </div>
          <div className="kpi">
            <span className="kpi-label">Sessions / API keys</span>
            <span className="kpi-value">
              {stats.activeSessions} / {stats.activeApiKeys}
            </span>
          </div>
        </div>
      )}
      <div className="page-head">
        <h2>Sellers</h2>
        <label className="compact">
          <span>Search</span>
          <input
            type="search"
            value={q}
            onChange={(e) => {
              setQ(e.target.value);
              setOffset(0);
            }}
            maxLength={200}
            placeholder="email or name"
          />
        </label>
      </div>
      {users && (
        <>
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">State</th>
                <th scope="col">Listings</th>
                <th scope="col">Last sign-in</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.items.map((u) => (
                <tr key={u.id}>
                  <td>{u.email}</td>
                  <td>{`${u.firstName} ${u.lastName}`.trim()}</td>
                  <td>{u.role}</td>
                  <td>
                    {!u.active ? (
                      <span className="pill pill-archived">deactivated</span>
                    ) : u.locked ? (
                      <span className="pill pill-error" title={`Locked until ${u.lockedUntil}`}>
                        locked
                      </span>
                    ) : (
                      <span className="pill pill-active">active</span>
                    )}
                    {u.failedLoginCount > 0 && (
                      <span className="muted small"> {u.failedLoginCount} failed</span>
                    )}
                  </td>
                  <td>{u.listingCount.toLocaleString()}</td>
                  <td className="small">
                    {u.lastLoginAt ? new Date(u.lastLoginAt).toLocaleString() : "never"}
                  </td>
                  <td className="actions">
                    {(u.locked || u.failedLoginCount > 0) && (
                      <button
                        type="button"
                        className="btn small"
                        onClick={() =>
                          void act(`Unlocked ${u.email}`, () =>
                            api.admin.unlockUser.mutate({ id: u.id }),
                          )
                        }
                      >
                        Unlock
                      </button>
                    )}
                    {u.id !== app.me.id &&
                      (u.active ? (
                        <button
                          type="button"
                          className="btn small danger-ghost"
                          onClick={() =>
                            confirm(`Deactivate ${u.email}? All their sessions end now.`) &&
                            void act(`Deactivated ${u.email}`, () =>
                              api.admin.deactivateUser.mutate({ id: u.id }),
                            )
                          }
                        >
                          Deactivate
                        </button>
                      ) : (
                        <button
                          type="button"
                          className="btn small"
                          onClick={() =>
                            void act(`Reactivated ${u.email}`, () =>
                              api.admin.reactivateUser.mutate({ id: u.id }),
                            )
                          }
                        >
                          Reactivate
                        </button>
                      ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="row-gap">
            <button
              type="button"
              className="btn"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - 50))}
            >
              Previous
            </button>
            <span className="muted small">
              {users.total === 0 || offset >= users.total
                ? "No sellers found"
                : `${offset + 1}–${Math.min(offset + 50, users.total)} of ${users.total}`}
            </span>
            <button
              type="button"
              className="btn"
              disabled={offset + 50 >= users.total}
              onClick={() => setOffset(offset + 50)}
            >
              Next
            </button>
          </div>
        </>
      )}
    </div>
  );
}
