import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { api, type Outputs } from "../api/client";
import { useApp } from "../app-context";
import { ShowOlderButton, useOlderPages } from "../components/older-pages";
import { errorMessage } from "../lib/save-logic";

type Item = Outputs["changeSets"]["list"]["items"][number];

const PAGE = 50;

/** Change sets (changeSets.list), newest first, a page at a time, with undo/redo for any of them. */
export function HistoryPanel(props: {
  tick: number;
  onClose: () => void;
  onChanged: (id: string) => void;
  /**
   * Undoes or redoes a change set. The grid passes its own, so an edit made right after waits for
   * the listings it changed to be read again, as after Ctrl+Z; alone, the panel calls the API.
   */
  perform?: (id: string, action: "undo" | "redo") => Promise<void>;
}) {
  const app = useApp();
  const [items, setItems] = useState<Item[] | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const older = useOlderPages(
    (cursor) => api.changeSets.list.query({ limit: PAGE, cursor }),
    (more: Item[]) => setItems((have) => [...(have ?? []), ...more]),
  );
  const { restart, setNext } = older;
  // biome-ignore lint/correctness/useExhaustiveDependencies: refetch when the grid saves something
  useEffect(() => {
    let alive = true;
    const current = restart();
    api.changeSets.list
      .query({ limit: PAGE })
      .then((r) => {
        if (!alive || !current()) return;
        setItems(r.items);
        setNext(r.nextCursor);
      })
      .catch((err) => app.toast("error", errorMessage(err)));
    return () => {
      alive = false;
    };
  }, [props.tick, reload]);
  // Closed with the focus in it (its × button, or Ctrl+Shift+H from there), the panel would leave
  // the keyboard on the page body: it goes back to what had it when the panel opened (the
  // History button, or the grid). Run before the panel leaves the page, while it holds the focus.
  const ref = useRef<HTMLElement>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    const opener = document.activeElement;
    return () => {
      if (
        el?.contains(document.activeElement) &&
        opener instanceof HTMLElement &&
        opener.isConnected
      )
        opener.focus();
    };
  }, []);
  const act = async (it: Item) => {
    setBusy(it.id);
    try {
      const action = it.status === "applied" ? "undo" : "redo";
      if (props.perform) await props.perform(it.id, action);
      else if (action === "undo") await api.changeSets.undo.mutate({ id: it.id });
      else await api.changeSets.redo.mutate({ id: it.id });
      props.onChanged(it.id);
      setReload((n) => n + 1);
    } catch (err) {
      app.toast("error", errorMessage(err));
    } finally {
      setBusy(null);
    }
  };
  return (
    <aside ref={ref} className="side-panel" aria-label="Change history" data-testid="history">
      <div className="side-head">
        <h2>Change history</h2>
        <button
          type="button"
          className="btn ghost icon"
          aria-label="Close history"
          onClick={props.onClose}
        >
          ×
        </button>
      </div>
      {!items ? (
        <p className="muted pad">Loading…</p>
      ) : items.length === 0 ? (
        <p className="muted pad">No changes yet.</p>
      ) : (
        <ol className="history">
          {items.map((it) => (
            <li key={it.id} className={it.status === "undone" ? "undone" : ""}>
              <div className="h-summary">{it.summary || it.kind}</div>
              <div className="h-meta">
                <span className="tag">{it.kind}</span> {it.rowCount} row
                {it.rowCount === 1 ? "" : "s"} · {new Date(it.createdAt).toLocaleString()}
                {it.status === "undone" && <span className="tag muted-tag">undone</span>}
              </div>
              <button
                type="button"
                className="btn small"
                disabled={busy === it.id}
                onClick={() => void act(it)}
              >
                {it.status === "applied" ? "Undo" : "Redo"}
              </button>
            </li>
          ))}
        </ol>
      )}
      {items && (
        <ShowOlderButton
          pages={older}
          label="Show older changes"
          className="btn small history-more"
        />
      )}
    </aside>
  );
}
