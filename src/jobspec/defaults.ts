// Every default of a spec field, in one place: normalize.ts applies them, schema.ts announces them
// (`default:` and "Default: ..." in the descriptions), rules.ts checks against them and
// `crjob init` shows them in its commented-out fields. A default changed here changes all four.

export const DEFAULTS = {
  slots: 1,
  mode: "auto",
  tool: "blcr",
  keep: 2,
  keepOnSuccess: false,
  restorePid: "auto",
  /** checkpoint.ready.timeout: give up waiting for the app's checkpoint files after this long. */
  readyTimeout: "10m",
  readyTimeoutSeconds: 600,
  scratch: "/sanscratch",
  rerunnable: false,
  requeue: "auto",
  requeueExit: 99,
  maxRequeues: 20,
} as const;

/** #BSUB -o when lsf.output is not set. */
export function defaultLsfOutput(name: string, array: boolean): string {
  return array ? `${name}.%J.%I.log` : `${name}.%J.log`;
}
