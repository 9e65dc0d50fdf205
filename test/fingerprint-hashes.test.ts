// The fingerprint's hashes (src/render/sha256.ts, crc32.ts): the JavaScript ones that a render of a
// few specs uses must give what node:crypto and node:zlib give, which take over for the rest of a
// bulk render.
import { createHash } from "node:crypto";
import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32, crc32Js } from "../src/render/crc32.js";
import { sha256Hex, sha256HexJs } from "../src/render/sha256.js";

const nodeSha = (t: string) => createHash("sha256").update(t, "utf8").digest("hex");

describe("sha256", () => {
  it("agrees with node:crypto at every padding boundary, on non-ASCII text, and on long input", () => {
    const texts = ["", "abc", "é", "€😀 and tabs\t", "x".repeat(100_000)];
    for (let n = 50; n <= 130; n++) texts.push("a".repeat(n)); // one and two blocks, the length across a block's end
    let seed = 7;
    for (let i = 0; i < 200; i++) {
      let t = "";
      const len = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 3000;
      for (let j = 0; j < len; j++) t += String.fromCodePoint((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 0x3000);
      texts.push(t);
    }
    for (const t of texts) expect(sha256HexJs(t), JSON.stringify(t.slice(0, 40))).toBe(nodeSha(t));
  });

  it("is the same digest before and after node:crypto takes over", () => {
    const got = Array.from({ length: 40 }, (_, i) => sha256Hex(`spec ${i}`));
    expect(got).toEqual(Array.from({ length: 40 }, (_, i) => nodeSha(`spec ${i}`)));
  });

  it("the test vectors of FIPS 180-4 (NIST examples)", () => {
    expect(sha256HexJs("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256HexJs("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256HexJs("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).toBe("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  });
});

describe("crc32", () => {
  it("agrees with zlib on every length up to 70 bytes, on random bytes and on a script", () => {
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    const inputs: Uint8Array[] = [];
    for (let n = 0; n <= 70; n++) inputs.push(Uint8Array.from({ length: n }, rnd));
    for (let i = 0; i < 50; i++) inputs.push(Uint8Array.from({ length: 1 + (rnd() << 6) + rnd() }, rnd));
    inputs.push(Buffer.from("#!/bin/bash\n".repeat(4000)));
    for (const data of inputs) expect(crc32Js(data), `length ${data.length}`).toBe(zlibCrc32(data));
    expect(crc32Js(Buffer.from("123456789"))).toBe(0xcbf43926); // the check value of CRC-32
  });

  it("is the same value before and after zlib takes over", () => {
    const data = Array.from({ length: 40 }, (_, i) => Buffer.from(`script ${i}\n`.repeat(i + 1)));
    expect(data.map((d) => crc32(d))).toEqual(data.map((d) => zlibCrc32(d)));
  });
});
