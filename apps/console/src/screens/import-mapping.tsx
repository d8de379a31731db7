import { useRef, useState } from "react";
import {
  type ColumnMapping,
  MAPPING_TARGETS,
  type MappingTarget,
  orderedHeaders,
  TARGET_LABEL,
} from "../lib/import-wizard";

/** A saved mapping profile as mappingProfiles.list returns it. */
export interface MappingProfile {
  id: string;
  name: string;
  mapping: Record<string, string>;
}

/**
 * The column-mapping step for generic files: each header of the file gets a listing field or
 * "ignore"; the dry run's suggestion is prefilled. Mappings can be saved and loaded by name.
 */
export function MappingStep(props: {
  mapping: ColumnMapping;
  /** Headers in the file's order, when the browser could read them. */
  order?: readonly string[];
  /** An example value per header: the first non-empty value of the column in the file. */
  samples?: Record<string, string>;
  /**
   * The samples are instead values the dry run reported a problem with (an import without sample
   * values), so the column is titled for what it holds.
   */
  problemSamples?: boolean;
  profiles: MappingProfile[];
  busy: boolean;
  onTarget(header: string, target: MappingTarget): void;
  onLoad(mapping: ColumnMapping): void;
  /** Saves the mapping under `name`; resolves false (or rejects) when it was not saved. */
  onSave(name: string): unknown;
  onRemoveProfile(id: string): void;
  onConfirm(): void;
}) {
  const [profileId, setProfileId] = useState("");
  const [name, setName] = useState("");
  /** A save is running: another click must not save the same mapping twice. */
  const [saving, setSaving] = useState(false);
  const savingRef = useRef(false);
  const headers = orderedHeaders(props.mapping, props.order ?? []);
  const used = Object.values(props.mapping).filter((f) => f !== "ignore");
  const missingTitle = !used.includes("title");
  const missingPrice = !used.includes("price");
  const profile = props.profiles.find((p) => p.id === profileId);
  // Own keys only: a header may be called `__proto__` or `constructor`.
  const sampleOf = (h: string) =>
    props.samples && Object.hasOwn(props.samples, h) ? props.samples[h] : undefined;
  const hasSamples = headers.some((h) => sampleOf(h));

  return (
    <section className="card" aria-labelledby="mapping-head" data-testid="mapping-step">
      <h3 id="mapping-head">Map the columns</h3>
      <p className="muted small">
        This file has no marketplace layout, so tell us what each column holds. We prefilled our
        best guess; columns set to “ignore” are not imported.
      </p>
      <div className="inline-form mapping-profiles">
        <label className="field">
          <span>Saved mapping</span>
          <select
            aria-label="Saved mapping"
            value={profileId}
            onChange={(e) => setProfileId(e.target.value)}
          >
            <option value="">Choose…</option>
            {props.profiles.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="btn"
          disabled={!profile}
          onClick={() => profile && props.onLoad(profile.mapping as ColumnMapping)}
        >
          Load
        </button>
        <button
          type="button"
          className="btn ghost"
          disabled={!profile}
          onClick={() => {
            if (profile) props.onRemoveProfile(profile.id);
            setProfileId("");
          }}
        >
          Delete
        </button>
        <span className="spacer" />
        <label className="field">
          <span>Save this mapping as</span>
          <input
            aria-label="Mapping name"
            value={name}
            maxLength={100}
            placeholder="e.g. Supplier sheet"
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <button
          type="button"
          className="btn"
          disabled={!name.trim() || saving}
          onClick={async () => {
            if (savingRef.current) return;
            savingRef.current = true;
            setSaving(true);
            try {
              // The name stays when the save failed, so the seller can try again without retyping.
              if ((await props.onSave(name.trim())) !== false) setName("");
            } catch {
              // The caller has said why; the name is kept as typed.
            } finally {
              savingRef.current = false;
              setSaving(false);
            }
          }}
        >
          Save mapping
        </button>
      </div>
      <table className="data small mapping-table">
        <thead>
          <tr>
            <th scope="col">Column in your file</th>
            {hasSamples && (
              <th scope="col">{props.problemSamples ? "Example of a problem" : "Example"}</th>
            )}
            <th scope="col">Imports into</th>
          </tr>
        </thead>
        <tbody>
          {headers.map((h) => (
            <tr key={h} className={props.mapping[h] === "ignore" ? "ignored" : ""}>
              <td>
                <strong>{h}</strong>
              </td>
              {hasSamples && <td className="muted ellipsis">{sampleOf(h) ?? ""}</td>}
              <td>
                <select
                  aria-label={`Field for ${h}`}
                  value={props.mapping[h]}
                  onChange={(e) => props.onTarget(h, e.target.value as MappingTarget)}
                >
                  {MAPPING_TARGETS.map((t) => (
                    <option key={t} value={t}>
                      {TARGET_LABEL[t]}
                    </option>
                  ))}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {(missingTitle || missingPrice) && (
        <p className="notice small" role="status">
          No column is mapped to{" "}
          {missingTitle && missingPrice ? "Title or Price" : missingTitle ? "Title" : "Price"}: rows
          without them will be rejected.
        </p>
      )}
      <div className="row-gap">
        <button
          type="button"
          className="btn primary"
          disabled={props.busy || headers.length === 0}
          onClick={props.onConfirm}
        >
          {props.busy ? "Checking…" : "Use this mapping and preview"}
        </button>
      </div>
    </section>
  );
}
