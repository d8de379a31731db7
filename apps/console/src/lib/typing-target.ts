/**
 * Whether a key pressed with focus on `target` is text for it rather than a page-wide shortcut:
 * a form control, editable text, or the listings grid, where a printable key starts typing into
 * the selected cell (a cell must be able to hold "1/2" or "?").
 */
export function takesTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return (
    target.tagName === "INPUT" ||
    target.tagName === "TEXTAREA" ||
    target.tagName === "SELECT" ||
    target.isContentEditable ||
    target.closest('[role="grid"]') !== null
  );
}
