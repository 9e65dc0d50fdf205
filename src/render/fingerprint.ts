// The last line of every script: a fingerprint of what it was rendered from and of the script
// itself, so that `crjob render --check` can tell a committed script is current without rendering
// its spec again (thousands of scripts in a pre-commit hook or CI; issue 12).
//
//   # crjob-fingerprint <sha256 hex>
//
// The hash covers crjob's version, the template texts, the site profile, the render options, the
// spec's data (as parsed: comments and layout do not count) and the name the header shows, then
// the script above the line: its length and its CRC-32. Same inputs, same renderer: the same
// script, byte for byte (rendering is deterministic), so a script whose line matches needs no
// render to be known current. A hand edit anywhere above the line, or any change to an input,
// makes it differ; then --check renders as before, to say what differs.
//
// Why CRC-32 for the script's bytes, not sha256 as for the inputs: the line guards against
// accidents (a hand edit, a stale copy), not forgery, which no unkeyed hash stops (anyone can
// recompute the line). CRC-32 misses no change of up to 32 consecutive bits and any other with a
// chance of 2^-32, and zlib computes it 3-4 times as fast as sha256 (7 against 25 us for a 40 KB
// script, with SHA-NI): the largest single cost of a --check left (bench/run.mjs).
import { crc32 } from "./crc32.js";
import { assemble, assembledRoom, TOKEN_START } from "./segments.js";
import { sha256Hex } from "./sha256.js";
import { VERSION } from "../version.js";

export const FINGERPRINT_MARK = "# crjob-fingerprint ";
/** The line's length: the mark, 64 hex digits, the newline. */
const LINE_LENGTH = FINGERPRINT_MARK.length + 64 + 1;

export interface FingerprintInputs {
  /** The template set's digest (templateDigest in engine.ts). */
  templates: string;
  /** The site profile as loaded (null: none). */
  site: unknown;
  /** --mode, when given. */
  mode?: string;
  /** The spec's name in the header. */
  displayName: string;
  /** The spec's data, as parsed. */
  data: unknown;
}

/** The digest of everything a script is rendered from (hex). */
export function inputsDigest(i: FingerprintInputs): string {
  return digestOf(inputParts(i));
}

/** inputsDigest, and whether any input holds a segment token's first character (segments.ts). */
export function inputsDigestChecked(i: FingerprintInputs): { digest: string; tokenFree: boolean } {
  const parts = inputParts(i);
  return { digest: digestOf(parts), tokenFree: parts.every((p) => !p.includes(TOKEN_START)) };
}

function inputParts(i: FingerprintInputs): string[] {
  return [`crjob ${VERSION}`, i.templates, siteText(i.site), i.mode ?? "", i.displayName, canonical(i.data)];
}

function digestOf(parts: string[]): string {
  // One string, each part with its length first, so that no two different sets of parts hash alike.
  return sha256Hex(parts.map((p) => `${p.length}:${p}`).join(""));
}

/** canonical() of a site profile, once per profile (a bulk render shares one among thousands of specs). */
const siteTexts = new WeakMap<object, string>();
function siteText(site: unknown): string {
  if (site === null || typeof site !== "object") return canonical(site);
  let text = siteTexts.get(site);
  if (text === undefined) siteTexts.set(site, (text = canonical(site)));
  return text;
}

/**
 * Parsed YAML as text that tells every two different values apart (JSON.stringify does not: it
 * writes .inf, .nan and null all as null). Keys keep their order: it can show in the script.
 */
export function canonical(v: unknown): string {
  if (v === null || v === undefined) return "~";
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "number":
      return Object.is(v, -0) ? "-0" : String(v);
    case "boolean":
      return v ? "true" : "false";
    case "object":
      if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
      return `{${Object.entries(v as Record<string, unknown>)
        .map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
        .join(",")}}`;
    default:
      return `?${String(v)}`; // nothing YAML's core schema gives; kept apart all the same
  }
}

/** The line's hash: the inputs' digest with the script's length and CRC-32 (see the top). */
function lineHash(inputs: string, length: number, crc: number): string {
  return sha256Hex(`${inputs}:${length}:${crc}`);
}

let scratch: Buffer | undefined; // made on the first render, not at start-up

/** The reused buffer, with room for `room` bytes and the line. */
function scratchFor(room: number): Buffer {
  if (!scratch || scratch.length < room + LINE_LENGTH) scratch = Buffer.allocUnsafe(Math.max(256 * 1024, room + LINE_LENGTH));
  return scratch;
}

/** The line appended after the script's `size` bytes in `buf` (their CRC: `crc`), and the whole. */
function sealed(buf: Buffer, size: number, crc: number, inputs: string): Buffer {
  buf.write(`${FINGERPRINT_MARK}${lineHash(inputs, size, crc)}\n`, size, "latin1");
  return buf.subarray(0, size + LINE_LENGTH);
}

/**
 * The script with its fingerprint line appended, as text and as the UTF-8 bytes to write (encoded
 * once). `bytes` is a view of a buffer the next call in this thread reuses: write or compare it
 * before rendering again, or copy it. (A new 40 KB buffer per script, filled by a copy, was a
 * sixth of a bulk render's time: malloc and first-touch page faults. bench/run.mjs)
 */
export function withFingerprint(body: string, inputs: string): { text: string; bytes: Buffer } {
  // Encoded straight into the buffer (3 bytes per UTF-16 unit at most: surely room; no
  // Buffer.byteLength first, which on a string of many pieces costs as much again), hashed there,
  // the line written after it.
  const buf = scratchFor(body.length * 3);
  const size = buf.write(body, 0, "utf8");
  const bytes = sealed(buf, size, crc32(buf.subarray(0, size)), inputs);
  return { text: body + bytes.toString("latin1", size), bytes };
}

/**
 * withFingerprint's bytes for a segment-mode render (`raw`, segments.ts), assembled in the same
 * buffer: the kept partials' bytes copied, their CRCs combined, only the rest encoded and hashed.
 * The same bytes as withFingerprint(expand(raw), inputs).bytes.
 */
export function withFingerprintAssembled(raw: string, inputs: string): Buffer {
  const buf = scratchFor(assembledRoom(raw));
  const { size, crc } = assemble(raw, buf);
  return sealed(buf, size, crc, inputs);
}

/** Whether `script` (a file's bytes) ends in the fingerprint that these inputs and its own text give. */
export function fingerprintMatches(script: Buffer, inputs: string): boolean {
  const start = script.length - LINE_LENGTH;
  if (start < 0 || (start > 0 && script[start - 1] !== 0x0a) || script[script.length - 1] !== 0x0a) return false;
  if (script.toString("latin1", start, start + FINGERPRINT_MARK.length) !== FINGERPRINT_MARK) return false;
  const recorded = script.toString("latin1", start + FINGERPRINT_MARK.length, script.length - 1);
  return lineHash(inputs, start, crc32(script.subarray(0, start))) === recorded;
}
