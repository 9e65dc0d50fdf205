// Spec paths that expand at run time: a leading `~`, `$HOME` or `${HOME}` is the job user's home.
// One definition for the script (quoted so only that prefix expands) and for the commands that
// look at the job's state from the submit host.

/** Where job state lives when neither the spec nor the site profile says. */
export const DEFAULT_STATE_ROOT = "$HOME/.crjob";

/** The part after the home prefix ("" for the home itself, "/x" for ~/x), or null without one. */
export function afterHome(path: string): string | null {
  const m = /^(?:~|\$HOME|\$\{HOME\})(\/.*)?$/.exec(path);
  return m ? (m[1] ?? "") : null;
}
