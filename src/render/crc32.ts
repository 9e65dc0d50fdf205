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
let zlibCrc32: ((data: Uint8Array) => number) | undefined;

export function crc32(data: Uint8Array): number {
  if (++count <= HANDOVER) return crc32Js(data);
  zlibCrc32 ??= process.getBuiltinModule("node:zlib").crc32;
  return zlibCrc32(data);
}

let table: Int32Array | undefined;

/** CRC-32 in JavaScript (exported for the test that compares it with zlib's). */
export function crc32Js(data: Uint8Array): number {
  const t = (table ??= makeTable());
  let c = -1;
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
