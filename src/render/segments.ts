// A bulk render's script as pieces: the few bytes rendered for this spec, and the kept partials'
// bytes, encoded and CRC'd once per distinct output (issue 12, bulk render).
//
// Of a 44 KB script about 2 KB (the header and the settings) is rendered per spec; the rest comes
// from partials kept by memo.ts. Rendered as one string, every script was then flattened (a 44 KB
// copy), encoded to UTF-8 (another) and its CRC-32 taken over all 44 KB, per spec. In segment mode
// a kept partial yields a token instead of its text; the script is then assembled in the output
// buffer from the per-spec text (encoded there) and each kept partial's bytes (one copy), and its
// CRC from the per-spec bytes and each partial's CRC (crc32Combine: no pass over those bytes).
//
// A token is TOKEN_START, the entry's number, TOKEN_END. It cannot be confused with a script's own
// text because segment mode is used only when no input of the render holds TOKEN_START: neither
// the spec's data, the site profile, the name in the header, nor any template (the fingerprint's
// inputs, which are everything a script is rendered from; fingerprint.ts).
import { crc32, crc32Combine, crc32Shift } from "./crc32.js";

/** U+E000 and U+E001, private use: what starts and ends a token. */
export const TOKEN_START = "\uE000";
const TOKEN_END = "\uE001";
const TOKEN = /\uE000(\d+)\uE001/g;

/** One kept partial output. */
interface Segment {
  text: string;
  /** Its UTF-8 bytes, their CRC-32, and what shifts a CRC over their length (crc32Combine). */
  bytes: Buffer;
  crc: number;
  shift: number;
}

/** Whether the render in progress (in this thread) wants tokens (renderSegments). */
let active = false;
let next = 0;
const live = new Map<number, Segment>();
/** Numbers of entries their partial dropped, freed at the next render (a token may be in flight). */
let dropped: number[] = [];
/** Bytes of the segments whose tokens the render in progress was given (each time it was given one). */
let given = 0;

export function segmentMode(): boolean {
  return active;
}

/** A token for `text` (already free of tokens), kept until `release`d; hand it out with `give`. */
export function register(text: string): { id: number; token: string } {
  const id = next++;
  const bytes = Buffer.from(text, "utf8");
  live.set(id, { text, bytes, crc: crc32(bytes), shift: crc32Shift(bytes.length) });
  return { id, token: `${TOKEN_START}${id}${TOKEN_END}` };
}

/** `token` (of entry `id`), counted for the buffer's size (assembledRoom). */
export function give(id: number, token: string): string {
  given += live.get(id)!.bytes.length;
  return token;
}

export function release(id: number): void {
  dropped.push(id);
}

/** `s` with every token replaced by its text (outside segment mode there are none: `s` as it is). */
export function expand(s: string): string {
  return active && s.includes(TOKEN_START) ? s.replace(TOKEN, (_, id: string) => live.get(Number(id))!.text) : s;
}

/**
 * Whether Handlebars indents this partial call's output (line by line, after the partial returns:
 * `options` are the call's), which a token's text would escape: such a call gets text, no token.
 */
export function indented(options: unknown): boolean {
  return !!(options as { indent?: string } | undefined)?.indent;
}

/** A partial's output as Handlebars may indent it: with the tokens in it expanded. */
export function unindentable(output: string, options: unknown): string {
  return indented(options) ? expand(output) : output;
}

/** Run `render` in segment mode: its string holds tokens for the kept partials' outputs. */
export function withSegments<T>(render: () => T): T {
  for (const id of dropped) live.delete(id);
  dropped = [];
  given = 0;
  active = true;
  try {
    return render();
  } finally {
    active = false;
  }
}

/**
 * The size in bytes that `raw` (the last segment-mode render's output) assembles to, at most, for
 * the buffer: its own text at 3 bytes a character, and every segment handed out while it was
 * rendered (a token inside a partial's fresh output counts though it is expanded there).
 */
export function assembledRoom(raw: string): number {
  return raw.length * 3 + given;
}

/**
 * `raw` (a segment-mode render) written as UTF-8 into `buf` from 0 (room: assembledRoom): its
 * length and the CRC-32 of those bytes, the same as encoding expand(raw) and taking its CRC.
 */
export function assemble(raw: string, buf: Buffer): { size: number; crc: number } {
  let size = 0;
  let crc = 0;
  let last = 0;
  const text = (end: number) => {
    if (end <= last) return;
    const n = buf.write(raw.slice(last, end), size, "utf8");
    crc = crc32(buf.subarray(size, size + n), crc);
    size += n;
  };
  // indexOf rather than a regular expression: a scan for one character (twice as fast here).
  for (let at = raw.indexOf(TOKEN_START); at >= 0; at = raw.indexOf(TOKEN_START, last)) {
    text(at);
    const end = raw.indexOf(TOKEN_END, at);
    const seg = live.get(Number(raw.slice(at + 1, end)))!;
    buf.set(seg.bytes, size);
    size += seg.bytes.length;
    crc = crc32Combine(crc, seg.crc, seg.shift);
    last = end + 1;
  }
  text(raw.length);
  return { size, crc };
}
