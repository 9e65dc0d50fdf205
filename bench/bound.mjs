#!/usr/bin/env node
// What any command-line tool in Node pays for bulk render's file work alone, with no parsing,
// checking or rendering: the bench (run.mjs) runs it as a process of its own beside crjob, so it
// pays Node's start-up as crjob does, and prints it as a ratio to the floor too.
//
//   node bench/bound.mjs write SAMPLE OUTDIR SPEC...   each spec read (as text), then SAMPLE's bytes
//                                                     written to OUTDIR/<spec's name>.sh as crjob
//                                                     writes a script (temporary name, one write,
//                                                     rename)
//   node bench/bound.mjs check OUTDIR SPEC...          each spec read, then OUTDIR/<name>.sh read
//                                                     whole (one buffer for all) and its CRC-32
//                                                     taken: the least a --check that looks at
//                                                     every byte of the committed script does
// One thread. Exit 1 when a file is missing.
import { closeSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { crc32 } from "node:zlib";

const [mode, ...rest] = process.argv.slice(2);
const scriptFor = (outdir, spec) => join(outdir, basename(spec).replace(/\.ya?ml$/, ".sh"));
let seen = 0; // what was read, so that no read can be left out

if (mode === "write") {
  const [sample, outdir, ...specs] = rest;
  const bytes = readFileSync(sample);
  for (const spec of specs) {
    seen += readFileSync(spec, "utf8").length;
    const target = scriptFor(outdir, spec);
    const tmp = join(outdir, `.${basename(target)}.${process.pid}.tmp`);
    writeFileSync(tmp, bytes, { mode: 0o755 });
    renameSync(tmp, target);
  }
} else if (mode === "check") {
  const [outdir, ...specs] = rest;
  const buffer = Buffer.allocUnsafe(256 * 1024);
  for (const spec of specs) {
    seen += readFileSync(spec, "utf8").length;
    const fd = openSync(scriptFor(outdir, spec), "r");
    try {
      let n = 0;
      for (let got; (got = readSync(fd, buffer, n, buffer.length - n, null)) > 0; ) n += got;
      seen += crc32(buffer.subarray(0, n)) & 1;
    } finally {
      closeSync(fd);
    }
  }
} else {
  console.error("usage: bound.mjs write SAMPLE OUTDIR SPEC... | check OUTDIR SPEC...");
  process.exit(2);
}
if (seen === 0) process.exitCode = 1;
