import { useCallback, useRef, useState } from "react";
import { useApp } from "../app-context";
import { errorMessage } from "../lib/save-logic";

/** A page of a collection as the API returns it. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * The "show older" end of a list paged by cursor: the cursor of the next page, whether it is
 * loading, and a generation so that a page asked for before the list was loaded again is dropped.
 * Call `restart()` when (re)loading the first page: it returns whether that load is still the
 * current one when its answer arrives.
 */
export function useOlderPages<T>(
  fetchPage: (cursor: string) => Promise<Page<T>>,
  append: (items: T[]) => void,
) {
  const app = useApp();
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const generation = useRef(0);
  const restart = useCallback(() => {
    const gen = ++generation.current;
    return () => gen === generation.current;
  }, []);
  const showOlder = async () => {
    if (!next) return;
    const gen = generation.current;
    setLoading(true);
    try {
      const r = await fetchPage(next);
      if (gen !== generation.current) return;
      append(r.items);
      setNext(r.nextCursor);
    } catch (err) {
      app.toast("error", errorMessage(err));
    } finally {
      setLoading(false);
    }
  };
  return { next, setNext, loading, restart, showOlder };
}

/** The button that loads the next page of {@link useOlderPages}; nothing when there is none. */
export function ShowOlderButton(props: {
  pages: { next: string | null; loading: boolean; showOlder: () => Promise<void> };
  label: string;
  className?: string;
}) {
  if (!props.pages.next) return null;
  return (
    <button
      type="button"
      className={props.className ?? "btn ghost"}
      disabled={props.pages.loading}
      onClick={() => void props.pages.showOlder()}
    >
      {props.pages.loading ? "Loading…" : props.label}
    </button>
  );
}
