import { type RefObject, useLayoutEffect, useRef } from "react";

/**
 * Keeps the keyboard in a list panel whose items leave as the seller acts on them (Retry, Dismiss,
 * Keep mine): the button used goes with its item, and the focus would fall to the page body, so
 * the next Tab starts again from the top of the page. Call the returned function from such a
 * button's click: after the render that removes the item, the focus goes to the same button of
 * the item that took its place (the one after, or the one before when it was the last). When the
 * whole panel leaves with the focus in it, `onLeave` places the focus (the grid, say).
 */
export function usePanelFocus(
  ref: RefObject<HTMLElement | null>,
  onLeave?: () => void,
): (e: React.MouseEvent<HTMLElement>) => void {
  const pending = useRef<{ item: number; button: number } | null>(null);
  const leave = useRef(onLeave);
  leave.current = onLeave;
  useLayoutEffect(() => {
    const p = pending.current;
    pending.current = null;
    const el = ref.current;
    // Nothing was used, or the focus is still in the panel (the item stayed).
    if (!p || !el || el.contains(document.activeElement)) return;
    const items = el.querySelectorAll("li");
    const li = items[Math.min(p.item, items.length - 1)];
    const target = li?.querySelectorAll<HTMLElement>("button")[p.button];
    (target ?? el.querySelector<HTMLElement>("button") ?? el).focus();
  });
  // Runs before the panel leaves the page, while the focus may still be on its button.
  useLayoutEffect(() => {
    const el = ref.current;
    return () => {
      if (el?.contains(document.activeElement)) leave.current?.();
    };
  }, [ref]);
  return (e) => {
    const el = ref.current;
    const btn = e.currentTarget;
    const li = btn.closest("li");
    const p =
      el && li
        ? {
            item: [...el.querySelectorAll("li")].indexOf(li),
            button: [...li.querySelectorAll("button")].indexOf(btn as HTMLButtonElement),
          }
        : { item: 0, button: 0 };
    pending.current = p;
    // Only the render the click causes may move the focus, not one long after it, when the seller
    // has moved on.
    setTimeout(() => {
      if (pending.current === p) pending.current = null;
    }, 0);
  };
}
