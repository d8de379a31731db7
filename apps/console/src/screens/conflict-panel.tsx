import { useRef } from "react";
import { usePanelFocus } from "../components/panel-focus";
import { type Conflict, conflictFields } from "../lib/save-logic";

const show = (v: unknown) =>
  v === null || v === undefined || v === ""
    ? "(empty)"
    : typeof v === "object"
      ? JSON.stringify(v)
      : String(v);

/** Edits the server refused because the row changed: both values side by side, user chooses. */
export function ConflictPanel(props: {
  conflicts: Conflict[];
  onResolve: (c: Conflict, choice: "mine" | "theirs") => void;
  /** Takes the keyboard when the last conflict leaves the panel with the focus on its button. */
  onLeave?: () => void;
}) {
  const ref = useRef<HTMLElement>(null);
  const used = usePanelFocus(ref, props.onLeave);
  return (
    <section ref={ref} className="conflicts" aria-label="Edit conflicts" data-testid="conflicts">
      <h2>
        {props.conflicts.length} conflicting edit{props.conflicts.length > 1 ? "s" : ""} — someone
        else changed these listings
      </h2>
      <ul>
        {props.conflicts.slice(0, 20).map((c) => (
          <li key={c.rowId} className="conflict-item">
            <strong className="conflict-title">{c.theirs.title}</strong>
            <table>
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Yours</th>
                  <th scope="col">Theirs (now saved, v{c.theirs.version})</th>
                </tr>
              </thead>
              <tbody>
                {conflictFields(c).map((f) => (
                  <tr key={f.field}>
                    <th scope="row">{f.field}</th>
                    <td className="mine">{show(f.mine)}</td>
                    <td className="theirs">{show(f.theirs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="conflict-actions">
              <button
                type="button"
                className="btn primary"
                onClick={(e) => {
                  used(e);
                  props.onResolve(c, "mine");
                }}
              >
                Keep mine
              </button>
              <button
                type="button"
                className="btn"
                onClick={(e) => {
                  used(e);
                  props.onResolve(c, "theirs");
                }}
              >
                Take theirs
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
