import { type FormEvent, useCallback, useEffect, useState } from "react";
import { api, type Outputs } from "../api/client";
import { useApp } from "../app-context";
import { ShowOlderButton, useOlderPages } from "../components/older-pages";
import { errorMessage } from "../lib/save-logic";

type Key = Outputs["apiKeys"]["list"]["items"][number];

/** Revoked keys shown at a time (the working ones, at most 25, are always all shown). */
const REVOKED_PAGE = 20;

/** API keys: create (the secret is shown once), list, revoke. */
export function ApiKeysScreen() {
  const app = useApp();
  const [items, setItems] = useState<Key[] | null>(null);
  const [name, setName] = useState("");
  const [write, setWrite] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const older = useOlderPages(
    (cursor) => api.apiKeys.list.query({ status: "revoked", limit: REVOKED_PAGE, cursor }),
    (more: Key[]) => setItems((have) => [...(have ?? []), ...more]),
  );
  const { restart, setNext } = older;
  const load = useCallback(() => {
    const current = restart();
    Promise.all([
      api.apiKeys.list.query({ status: "active", limit: 100 }),
      api.apiKeys.list.query({ status: "revoked", limit: REVOKED_PAGE }),
    ])
      .then(([active, revoked]) => {
        if (!current()) return;
        setItems([...active.items, ...revoked.items]);
        setNext(revoked.nextCursor);
      })
      .catch((err) => app.toast("error", errorMessage(err)));
  }, [app, restart, setNext]);
  useEffect(load, [load]);
  const create = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const r = await api.apiKeys.create.mutate({
        name,
        scopes: write ? ["read", "write"] : ["read"],
      });
      setSecret(r.secret);
      setName("");
      load();
    } catch (err) {
      app.toast("error", errorMessage(err));
    }
  };
  const revoke = async (k: Key) => {
    if (!confirm(`Revoke "${k.name}"? Integrations using it stop working at once.`)) return;
    try {
      await api.apiKeys.revoke.mutate({ id: k.id });
      load();
    } catch (err) {
      app.toast("error", errorMessage(err));
    }
  };
  return (
    <div className="page">
      <h1>API keys</h1>
      <form className="card form inline-form" onSubmit={create}>
        <label className="field">
          <span>Key name</span>
          <input
            required
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. Inventory sync"
          />
        </label>
        <label className="check">
          <input type="checkbox" checked={write} onChange={(e) => setWrite(e.target.checked)} />{" "}
          Allow writes
        </label>
        <button type="submit" className="btn primary">
          Create key
        </button>
      </form>
      {secret && (
        <div className="card secret" role="alert">
          <p>
            <strong>Copy this key now.</strong> It will not be shown again.
          </p>
          <div className="secret-row">
            <code data-testid="api-key-secret">{secret}</code>
            <button
              type="button"
              className="btn"
              onClick={() =>
                void navigator.clipboard.writeText(secret).then(() => app.toast("info", "Copied"))
              }
            >
              Copy
            </button>
            <button type="button" className="btn ghost" onClick={() => setSecret(null)}>
              Done
            </button>
          </div>
        </div>
      )}
      {!items ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="empty-inline">No API keys.</p>
      ) : (
        <table className="data">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Scopes</th>
              <th scope="col">Last used</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((k) => (
              <tr key={k.id} className={k.revokedAt ? "revoked" : ""}>
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{k.scopes.join(", ")}</td>
                <td className="small">
                  {k.lastUsedAt ? new Date(k.lastUsedAt).toLocaleString() : "never"}
                </td>
                <td className="small">{new Date(k.createdAt).toLocaleDateString()}</td>
                <td className="actions">
                  {k.revokedAt ? (
                    <span className="pill pill-archived">revoked</span>
                  ) : (
                    <button
                      type="button"
                      className="btn small danger-ghost"
                      onClick={() => void revoke(k)}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ShowOlderButton pages={older} label="Show older revoked keys" />
    </div>
  );
}
