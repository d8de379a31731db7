/**
 * A labelled progress bar; without a percentage it shows an indeterminate stripe (the job has
 * started but has not reported a total yet).
 */
export function ProgressBar(props: { value: number | null; label: string; detail?: string }) {
  return (
    <div className="progress-wrap">
      <div
        className={`progress${props.value === null ? " indeterminate" : ""}`}
        role="progressbar"
        aria-label={props.label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={props.value ?? undefined}
        aria-valuetext={props.detail}
      >
        <div className="progress-fill" style={{ width: `${props.value ?? 30}%` }} />
      </div>
      {props.detail && <span className="progress-detail small muted">{props.detail}</span>}
    </div>
  );
}
