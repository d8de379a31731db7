import { type FormEvent, useCallback, useEffect, useRef, useState } from "react";
import { api, type Outputs } from "../api/client";
import { useApp } from "../app-context";
import { priceText } from "../lib/columns";
import { errorMessage } from "../lib/save-logic";

type SearchHit = Outputs["search"]["query"]["items"][number];
type SimilarHit = Outputs["search"]["similar"]["items"][number];
type Listing = SearchHit["listing"];
type DuplicateGroup = Outputs["search"]["duplicates"]["groups"][number];

/** The URL of the search screen for a query, a listing's look-alikes, or the duplicates view. */
export function searchPath(p: { q?: string; similar?: string; view?: "duplicates" }): string {
  const u = new URLSearchParams();
  if (p.q) u.set("q", p.q);
  if (p.similar) u.set("similar", p.similar);
  if (p.view) u.set("view", p.view);
  return `/search?${u}`;
}

/** A 0–1 score as a short bar and a number, so rankings can be compared at a glance. */
export function Score(props: { value: number; title?: string }) {
  const v = Math.max(0, Math.min(1, props.value));
  return (
    <span className="score" title={props.title ?? `Score ${v.toFixed(3)}`}>
      <span className="score-bar" aria-hidden="true">
        <span style={{ width: `${Math.round(v * 100)}%` }} />
      </span>
      <span className="score-n">{v.toFixed(2)}</span>
    </span>
  );
}

function money(l: Listing): string {
  return `${priceText(Number(l.price), l.currency)} ${l.currency ?? ""}`.trim();
}

/** The header's semantic search box: a few live results with scores; Enter opens the full list. */
export function HeaderSearch() {
  const app = useApp();
  const [q, setQ] = useState("");
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const seq = useRef(0);
  const boxRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const term = q.trim();
    if (term.length < 2) {
      setHits(null);
      setError(null);
      return;
    }
    const mine = ++seq.current;
    const t = setTimeout(() => {
      api.search.query
        .query({ q: term, limit: 8 })
        .then((r) => {
          if (mine !== seq.current) return;
          setHits(r.items);
          setError(null);
        })
        .catch((err) => {
          if (mine !== seq.current) return;
          setHits(null);
          setError(errorMessage(err));
        });
    }, 250);
    return () => clearTimeout(t);
  }, [q]);

  useEffect(() => {
    const onDown = (e: MouseEvent) => {
      if (boxRef.current && !boxRef.current.contains(e.target as Node)) setOpen(false);
    };
    addEventListener("mousedown", onDown);
    return () => removeEventListener("mousedown", onDown);
  }, []);

  const go = (path: string) => {
    setOpen(false);
    app.navigate(path);
  };

  return (
    <div className="popover-anchor header-search" ref={boxRef}>
      <search>
        <form
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            if (q.trim()) go(searchPath({ q: q.trim() }));
          }}
        >
          <input
            id="semantic-search"
            type="search"
            aria-label="Semantic search"
            title="Search by meaning (Ctrl+K)"
            placeholder="Search by meaning…"
            value={q}
            maxLength={500}
            onFocus={() => setOpen(true)}
            onChange={(e) => {
              setQ(e.target.value);
              setOpen(true);
            }}
            onKeyDown={(e) => {
              if (e.key === "Escape") setOpen(false);
            }}
          />
        </form>
      </search>
      {open && (hits || error) && (
        <div className="popover search-pop" data-testid="search-results">
          {error ? (
            <p className="form-error pad">{error}</p>
          ) : hits && hits.length === 0 ? (
            <p className="muted pad">No matches.</p>
          ) : (
            <ul className="search-list">
              {hits?.map((h) => (
                <li key={h.listing.id}>
                  <button
                    type="button"
                    className="linkish search-hit"
                    onClick={() => go(searchPath({ similar: h.listing.id }))}
                    title="Show similar listings"
                  >
                    <span className="search-title">{h.listing.title}</span>
                    <span className="muted small">{money(h.listing)}</span>
                  </button>
                  <Score
                    value={h.score}
                    title={`Score ${h.score.toFixed(3)} (meaning ${h.semanticScore.toFixed(2)}, text ${h.textScore.toFixed(2)})`}
                  />
                </li>
              ))}
            </ul>
          )}
          <div className="popover-foot">
            <button
              type="button"
              className="btn small"
              disabled={!q.trim()}
              onClick={() => go(searchPath({ q: q.trim() }))}
            >
              All results
            </button>
            <button
              type="button"
              className="btn small ghost"
              onClick={() => go(searchPath({ view: "duplicates" }))}
            >
              Find duplicates
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

/**
 * Search results with scores, "similar listings" for one listing, and likely duplicates with a
 * merge action. Which view shows comes from the URL, so each can be linked and reloaded.
 */
export function SearchScreen(props: { search: string }) {
  const params = new URLSearchParams(props.search);
  const q = params.get("q") ?? "";
  const similar = params.get("similar");
  const view = params.get("view") === "duplicates" ? "duplicates" : similar ? "similar" : "results";
  const app = useApp();

  return (
    <div className="page wide search-screen">
      <div className="page-head">
        <h1>
          {view === "duplicates"
            ? "Likely duplicates"
            : view === "similar"
              ? "Similar listings"
              : "Search results"}
        </h1>
        <div className="seg" role="tablist" aria-label="Search views">
          <button
            type="button"
            role="tab"
            aria-selected={view !== "duplicates"}
            className={`seg-btn${view !== "duplicates" ? " on" : ""}`}
            onClick={() => app.navigate(searchPath({ q }))}
          >
            Search
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={view === "duplicates"}
            className={`seg-btn${view === "duplicates" ? " on" : ""}`}
            onClick={() => app.navigate(searchPath({ view: "duplicates" }))}
          >
            Duplicates
          </button>
        </div>
      </div>
      {view === "duplicates" ? (
        <Duplicates />
      ) : view === "similar" && similar ? (
        <Similar id={similar} />
      ) : (
        <Results q={q} />
      )}
    </div>
  );
}

function Results(props: { q: string }) {
  const app = useApp();
  const [q, setQ] = useState(props.q);
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [embedder, setEmbedder] = useState<string>("");
  useEffect(() => setQ(props.q), [props.q]);
  useEffect(() => {
    if (!props.q) {
      setHits(null);
      return;
    }
    let stop = false;
    setError(null);
    api.search.query
      .query({ q: props.q, limit: 50 })
      .then((r) => {
        if (stop) return;
        setHits(r.items);
        const e = r.embedder as { provider?: string; model?: string } | string | undefined;
        setEmbedder(
          typeof e === "string"
            ? e
            : e
              ? [e.provider, e.model && `(${e.model})`].filter(Boolean).join(" ")
              : "",
        );
      })
      .catch((err) => !stop && setError(errorMessage(err)));
    return () => {
      stop = true;
    };
  }, [props.q]);
  return (
    <>
      <search>
        <form
          className="inline-form row-gap"
          onSubmit={(e) => {
            e.preventDefault();
            if (q.trim()) app.navigate(searchPath({ q: q.trim() }));
          }}
        >
          <label className="field">
            <span>Describe what you are looking for</span>
            <input
              type="search"
              aria-label="Search query"
              value={q}
              maxLength={500}
              placeholder="e.g. something to sit on"
              onChange={(e) => setQ(e.target.value)}
            />
          </label>
          <button type="submit" className="btn primary">
            Search
          </button>
        </form>
      </search>
      <p className="muted small">
        Ranked by meaning and by matching words together; the score shows how close each listing is.
        {embedder ? ` Embeddings: ${embedder}.` : ""}
      </p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {hits && (
        <ListingTable rows={hits.map((h) => ({ listing: h.listing, score: h.score, hit: h }))} />
      )}
    </>
  );
}

function Similar(props: { id: string }) {
  const [hits, setHits] = useState<SimilarHit[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stop = false;
    setHits(null);
    setError(null);
    api.search.similar
      .query({ id: props.id, limit: 20 })
      .then((r) => !stop && setHits(r.items))
      .catch((err) => !stop && setError(errorMessage(err)));
    return () => {
      stop = true;
    };
  }, [props.id]);
  return (
    <>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {hits === null && !error && <p className="muted">Loading…</p>}
      {hits && <ListingTable rows={hits.map((h) => ({ listing: h.listing, score: h.score }))} />}
    </>
  );
}

function ListingTable(props: { rows: { listing: Listing; score: number; hit?: SearchHit }[] }) {
  const app = useApp();
  if (props.rows.length === 0) return <p className="muted">No matches.</p>;
  return (
    <table className="data" data-testid="search-table">
      <thead>
        <tr>
          <th scope="col">Title</th>
          <th scope="col">Price</th>
          <th scope="col">Status</th>
          <th scope="col">Category</th>
          <th scope="col">SKU</th>
          <th scope="col">Score</th>
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map(({ listing: l, score, hit }) => (
          <tr key={l.id}>
            <td className="ellipsis" title={l.title}>
              {l.title}
            </td>
            <td className="nowrap">{money(l)}</td>
            <td>
              <span className={`pill pill-${l.status}`}>{l.status}</span>
            </td>
            <td className="ellipsis">{l.category ?? ""}</td>
            <td>{l.sku ?? ""}</td>
            <td>
              <Score
                value={score}
                title={
                  hit
                    ? `Score ${score.toFixed(3)} (meaning ${hit.semanticScore.toFixed(2)}, text ${hit.textScore.toFixed(2)})`
                    : undefined
                }
              />
            </td>
            <td className="actions">
              <button
                type="button"
                className="btn small"
                onClick={() => app.navigate(searchPath({ similar: l.id }))}
              >
                Similar
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Duplicates() {
  const app = useApp();
  const [threshold, setThreshold] = useState(0.95);
  const [groups, setGroups] = useState<DuplicateGroup[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  /**
   * The listings the seller chose to keep, by id: a group's choice is the one of its listings in
   * here (its first, suggested listing when none is). Kept across reloads, so after a merge moves
   * the groups below up, each still keeps the listing the seller chose in it.
   */
  const [kept, setKept] = useState<ReadonlySet<string>>(new Set());
  /** A merge or delete is running: another click must not send it again. */
  const [merging, setMerging] = useState(false);
  const mergingRef = useRef(false);
  const load = useCallback(() => {
    setGroups(null);
    setError(null);
    api.search.duplicates
      .query({ threshold })
      .then((r) => {
        setGroups(r.groups);
        // Choices of listings no longer in any group (merged or deleted) are let go.
        const present = new Set(r.groups.flatMap((g) => g.map((l) => l.id)));
        setKept((k) => new Set([...k].filter((id) => present.has(id))));
      })
      .catch((err) => setError(errorMessage(err)));
  }, [threshold]);
  useEffect(load, [load]);

  /** The listing a group keeps: the one the seller chose in it, else the suggested one. */
  const keptIn = (g: DuplicateGroup) => (g.find((l) => kept.has(l.id)) ?? g[0])?.id;
  const choose = (g: DuplicateGroup, id: string) =>
    setKept((k) => {
      const next = new Set([...k].filter((x) => !g.some((l) => l.id === x)));
      next.add(id);
      return next;
    });

  const merge = async (g: DuplicateGroup, mode: "merge" | "delete") => {
    const keepId = keptIn(g);
    if (!keepId || mergingRef.current) return;
    const mergeIds = g.filter((l) => l.id !== keepId).map((l) => l.id);
    const keptListing = g.find((l) => l.id === keepId);
    const verb = mode === "merge" ? "Merge" : "Delete";
    if (!confirm(`${verb} ${mergeIds.length} listing(s) into “${keptListing?.title ?? ""}”?`))
      return;
    mergingRef.current = true;
    setMerging(true);
    try {
      await api.search.mergeDuplicates.mutate({ keepId, mergeIds, mode });
      app.toast(
        "success",
        `${mode === "merge" ? "Merged" : "Deleted"} ${mergeIds.length} duplicate(s); undo it from History in the grid`,
      );
      load();
    } catch (err) {
      app.toast("error", errorMessage(err));
    } finally {
      mergingRef.current = false;
      setMerging(false);
    }
  };

  return (
    <>
      <div className="inline-form row-gap dup-controls">
        <label className="field">
          <span>How alike</span>
          <select
            aria-label="Duplicate threshold"
            value={threshold}
            onChange={(e) => setThreshold(Number(e.target.value))}
          >
            <option value={0.98}>Nearly identical (0.98)</option>
            <option value={0.95}>Very similar (0.95)</option>
            <option value={0.9}>Similar (0.90)</option>
          </select>
        </label>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {groups === null && !error && <p className="muted">Looking for duplicates…</p>}
      {groups?.length === 0 && <p className="muted">No likely duplicates at this threshold.</p>}
      {groups?.map((g, i) => (
        <section
          key={g.map((l) => l.id).join()}
          className="card dup-group"
          aria-label={`Duplicate group ${i + 1}`}
          data-testid="duplicate-group"
        >
          <table className="data small">
            <thead>
              <tr>
                <th scope="col">Keep</th>
                <th scope="col">Title</th>
                <th scope="col">Price</th>
                <th scope="col">Qty</th>
                <th scope="col">SKU</th>
                <th scope="col">Status</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {g.map((l, j) => (
                <tr key={l.id}>
                  <td>
                    <input
                      type="radio"
                      name={`keep-${g[0]?.id ?? i}`}
                      aria-label={`Keep ${l.title}`}
                      checked={keptIn(g) === l.id}
                      onChange={() => choose(g, l.id)}
                    />
                  </td>
                  <td className="ellipsis" title={l.title}>
                    {l.title}
                    {j === 0 && <span className="muted small"> (suggested)</span>}
                  </td>
                  <td className="nowrap">{money(l)}</td>
                  <td>{l.quantity}</td>
                  <td>{l.sku ?? ""}</td>
                  <td>
                    <span className={`pill pill-${l.status}`}>{l.status}</span>
                  </td>
                  <td className="nowrap">{new Date(l.updatedAt).toLocaleDateString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="row-gap">
            <button
              type="button"
              className="btn"
              disabled={merging}
              onClick={() => void merge(g, "merge")}
            >
              Merge into kept listing
            </button>
            <button
              type="button"
              className="btn danger-ghost"
              disabled={merging}
              onClick={() => void merge(g, "delete")}
            >
              Delete the others
            </button>
            <span className="muted small">
              Merging adds the others’ quantities and photos to the kept listing.
            </span>
          </div>
        </section>
      ))}
    </>
  );
}
