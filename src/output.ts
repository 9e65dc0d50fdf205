// What crjob prints goes to file descriptors 1 and 2 with writeSync, not through process.stdout
// and process.stderr: the first use of either builds a stream object, which loads Node's whole
// `stream` module (4-6 ms of a verb's start-up on the development VM; bench/run.mjs, cold start).
// Both are synchronous either way for files and pipes on Linux, so the order of lines is as before.
import { writeSync } from "node:fs";
import { formatDiagnostic, type Diagnostic } from "./diagnostics.js";

/** Descriptors whose reader has gone (EPIPE, as `crjob status | head -1`): the rest is dropped quietly. */
const closed = new Set<number>();
let pause: Int32Array | undefined;

function writeAll(fd: number, text: string): void {
  if (closed.has(fd) || text.length === 0) return;
  const bytes = Buffer.from(text, "utf8");
  for (let done = 0; done < bytes.length; ) {
    try {
      done += writeSync(fd, bytes, done, bytes.length - done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") {
        // A non-blocking pipe that is full: wait a millisecond for its reader, then go on.
        Atomics.wait((pause ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, 1);
        continue;
      }
      if (code === "EPIPE") {
        closed.add(fd);
        return;
      }
      throw e;
    }
  }
}

/** Print to standard output. */
export const out = (text: string): void => writeAll(1, text);
/** Print to standard error. */
export const err = (text: string): void => writeAll(2, text);

/** Diagnostics on standard error, one `file:line:col severity message` line each. */
export function printDiagnostics(ds: readonly Diagnostic[]): void {
  for (const d of ds) err(`${formatDiagnostic(d)}\n`);
}
