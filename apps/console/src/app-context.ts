import { createContext, useContext } from "react";
import type { Outputs } from "./api/client";

/** The signed-in account as auth.me returns it. */
export type Me = Outputs["auth"]["me"];

/** A button on a toast that takes the seller to what the message is about. */
export interface ToastAction {
  label: string;
  run: () => void;
}

/** A transient message in the corner. */
export interface Toast {
  id: number;
  kind: "info" | "error" | "success";
  text: string;
  action?: ToastAction;
}

/** What every screen can reach: the account, its preferences, notifications and navigation. */
export interface AppCtx {
  me: Me;
  prefs: Record<string, unknown>;
  /** Merges into preferences and saves them (debounced). */
  setPrefs(patch: Record<string, unknown>): void;
  toast(kind: Toast["kind"], text: string, action?: ToastAction): void;
  navigate(path: string): void;
}

/** Provided by the signed-in shell. */
export const AppContext = createContext<AppCtx | null>(null);

/** The app context; screens render only inside the signed-in shell. */
export function useApp(): AppCtx {
  const c = useContext(AppContext);
  if (!c) throw new Error("useApp outside the signed-in shell");
  return c;
}
