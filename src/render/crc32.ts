// CRC-32 (the zlib/PNG one) of a script's bytes, for the fingerprint line (fingerprint.ts).
//
// As with sha256.ts: node:zlib costs more to load than a render of one spec spends on the CRC (it
// loads Node's whole `stream` module: 2-5 ms of start-up on the development VM; bench/run.mjs),
// so the first CRCs of a process are computed here (slicing by 4, a 4 KB table made on first
// use), and from the HANDOVER-th on zlib's takes over, several times faster per script once
// loaded. Both give the same value: test/sha256.test.ts compares them.

/** CRCs computed here before node:zlib is loaded for the rest. */
const HANDOVER = 16;
let count = 0;
let zlibCrc32: ((data: Uint8Array, value?: number) => number) | undefined;

/** The CRC-32 of `data`, or of the bytes whose CRC is `prev` followed by `data`. */
export function crc32(data: Uint8Array, prev = 0): number {
  if (++count <= HANDOVER) return crc32Js(data, prev);
  zlibCrc32 ??= process.getBuiltinModule("node:zlib").crc32;
  return zlibCrc32(data, prev);
}

// Combining CRCs without the bytes (zlib's crc32_combine, as of 1.2.12: multmodp and x2nmodp in
// its crc32.c): the CRC of A then B is crc(A) times x^(8 * length of B) modulo the polynomial,
// plus crc(B). The factor depends on B's length only: crc32Shift makes it once per kept partial
// (segments.ts), and a combine is then one 32-step multiplication.
const POLY = 0xedb88320;

/** a times b modulo the CRC polynomial (reflected bit order, as zlib). */
function multmodp(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

let x2n: number[] | undefined;

/** x^(8 * length) modulo the polynomial: what crc32Combine shifts the first CRC by. */
export function crc32Shift(length: number): number {
  if (!x2n) {
    x2n = [];
    let p = 0x40000000; // x^1
    for (let n = 0; n < 32; n++, p = multmodp(p, p)) x2n.push(p);
  }
  let p = 0x80000000; // x^0
  for (let k = 3; length > 0; length = Math.floor(length / 2), k++) if (length % 2) p = multmodp(x2n[k % 32]!, p);
  return p;
}

/** The CRC-32 of A then B, from crc(A), crc(B) and crc32Shift(B's length). */
export function crc32Combine(crcA: number, crcB: number, shiftB: number): number {
  return (multmodp(shiftB, crcA) ^ crcB) >>> 0;
}

let table: Int32Array | undefined;

/** CRC-32 in JavaScript (exported for the test that compares it with zlib's). */
export function crc32Js(data: Uint8Array, prev = 0): number {
  const t = (table ??= makeTable());
  let c = ~prev;
  let i = 0;
  const end4 = data.length - (data.length % 4);
  for (; i < end4; i += 4) {
    c ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    c = t[768 + (c & 0xff)]! ^ t[512 + ((c >>> 8) & 0xff)]! ^ t[256 + ((c >>> 16) & 0xff)]! ^ t[c >>> 24]!;
  }
  for (; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** The byte-at-a-time table (reflected polynomial 0xEDB88320) and three more for 4 bytes at once. */
function makeTable(): Int32Array {
  const t = new Int32Array(1024);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 4; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
}
