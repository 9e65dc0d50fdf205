export type Severity = "error" | "warning";

/** Diagnostics are data; commands decide how to print them. */
export interface Diagnostic {
  file: string;
  /** 1-based; 0 when the problem has no position (missing file, empty file). */
  line: number;
  col: number;
  /** Dotted field path, e.g. "checkpoint.interval"; "" for the whole document. */
  path: string;
  message: string;
  hint?: string;
  severity: Severity;
}

/** `jobs/stars.yaml:8:3 error checkpoint.intervall: unknown property (did you mean "interval"?)` */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file;
  const field = d.path ? `${d.path}: ` : "";
  const hint = d.hint ? ` (${d.hint})` : "";
  return `${where} ${d.severity} ${field}${d.message}${hint}`;
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === "error");
}
