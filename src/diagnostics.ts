export type Severity = "error" | "warning";

/** Diagnostics are data; commands decide how to print them. */
export interface Diagnostic {
  file: string;
  /** 1-based. A problem with the whole file (missing, unreadable, empty) is at 1:1. */
  line: number;
  col: number;
  /** Dotted field path, e.g. "checkpoint.interval"; "" for the whole document. */
  path: string;
  message: string;
  hint?: string;
  severity: Severity;
}

/**
 * `jobs/stars.yaml:8:3 error checkpoint.intervall: unknown property (did you mean "interval"?)`.
 * Every line has the `file:line:col severity` shape, so that editors' problem matchers and CI
 * annotations take all of them (a position below 1 is shown as 1).
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${Math.max(1, d.line)}:${Math.max(1, d.col)}`;
  const field = d.path ? `${d.path}: ` : "";
  const hint = d.hint ? ` (${d.hint})` : "";
  return `${where} ${d.severity} ${field}${d.message}${hint}`;
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === "error");
}
