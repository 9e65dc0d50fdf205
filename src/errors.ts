import type { Diagnostic } from "./diagnostics.js";

/** A problem the user can fix; printed without a stack trace, exit 1. */
export class UserError extends Error {
  readonly exitCode: number = 1;
}

/** A wrong command line; exit 2. */
export class UsageError extends UserError {
  override readonly exitCode = 2;
}

/** One or more invalid inputs; carries every diagnostic, not just the first. */
export class SpecError extends UserError {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(`${diagnostics.filter((d) => d.severity === "error").length} error(s)`);
  }
}

/** Something that should never happen: printed with a stack and a bug-report request. */
export class InternalError extends Error {}
