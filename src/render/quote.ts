// Shell quoting for values that came from a spec. Single quotes make every byte literal in bash
// (no expansion, no command substitution, newlines included); a single quote itself is closed,
// escaped and reopened. The result is always exactly one shell word.
import { afterHome } from "../jobspec/paths.js";

export function shellQuote(value: string): string {
  if (value === "") return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Always-quoted form, for readability where a value sits next to shell syntax. */
export function shellQuoteAlways(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A path where a leading `~` or `$HOME` expands at run time (on the execution host, as the job's
 * user) and the rest stays literal: "~/x y" → "$HOME"/'x y'.
 */
export function shellPath(value: string): string {
  const rest = afterHome(value);
  if (rest === null) return shellQuote(value);
  return rest === "" ? `"$HOME"` : `"$HOME"${shellQuoteAlways(rest)}`;
}
