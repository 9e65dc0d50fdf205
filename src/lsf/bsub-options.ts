// bsub option parsing: command line and #BSUB lines, per flavour.
// openlava/volclava parses with a getopt-like scanner that knows only single letters plus a few
// two-letter options, so IBM's longer options are split ("-wa USR1" → "-w a"); IBM LSF matches
// whole option words.
import type { Flavour } from "./config.js";
import { signalNumber } from "./signals.js";

export class BsubError extends Error {
  constructor(message: string, readonly exitCode = 255) {
    super(message);
  }
}

interface OptDef {
  arg: boolean;
  ibmOnly?: boolean;
  /** Options sharing a slot: the first one given wins (-o/-oo, -e/-eo). */
  slot?: string;
}

const A = { arg: true } as const;
const F = { arg: false } as const;
const AI = { arg: true, ibmOnly: true } as const;
const FI = { arg: false, ibmOnly: true } as const;

const OPTS: Record<string, OptDef> = {
  // both flavours, with an argument
  q: A, J: A, Jd: A, o: { arg: true, slot: "o" }, e: { arg: true, slot: "e" }, i: A, W: A, n: A,
  R: A, M: A, P: A, L: A, u: A, E: A, Ep: A, k: A, w: A, c: A, b: A, m: A, g: A, t: A, s: A,
  S: A, C: A, D: A, F: A, v: A, p: A, sp: A, a: A, f: A,
  // both flavours, flags
  r: F, N: F, B: F, H: F, K: F, x: F, I: F, Ip: F, Is: F, Zs: F,
  // IBM LSF only
  Q: AI, G: AI, wa: AI, wt: AI, oo: { arg: true, ibmOnly: true, slot: "o" },
  eo: { arg: true, ibmOnly: true, slot: "e" }, cwd: AI, outdir: AI, env: AI, app: AI, We: AI,
  T: AI, ti: FI, rn: FI, Ne: FI, hl: FI, XF: FI, data: AI, jsdl: AI, pack: AI, ext: AI,
  mig: AI, alloc_flags: AI, clusters: AI, rnc: AI, U: AI, ul: FI, gpu: AI, Lp: AI, sla: AI,
  tty: FI, eptl: AI, ptl: AI, freq: AI, network: AI, stage: AI, datagrp: AI, hostfile: AI,
};

export interface ParsedOption {
  name: string;
  value: string | true;
}

export interface ParsedWords {
  options: ParsedOption[];
  /** Words after the options: the command (command line) or ignored (#BSUB line). */
  rest: string[];
}

function usage(): string {
  return (
    "Usage: bsub [-h] [-V] [-H] [-x] [-r] [-N] [-B] [-I | -K] [-q queue_name] [-J job_name]\n" +
    "            [-o out_file] [-e err_file] [-i in_file] [-W [hour:]minute] [-n num_processors]\n" +
    "            [-R res_req] [-M mem_limit] [-P project] [-L login_shell] [-u mail_user]\n" +
    "            [-E pre_exec_command] [-Ep post_exec_command] [-k checkpoint_dir] [-w depend_cond]\n" +
    "            [command [argument ...]]"
  );
}

function illegal(opt: string): BsubError {
  return new BsubError(`bsub: illegal option -- ${opt}\n${usage()}`);
}

/** Parse option words. `line` mode is a #BSUB line: parsing stops at a word starting with "#". */
export function parseWords(words: string[], flavour: Flavour, line = false): ParsedWords {
  const options: ParsedOption[] = [];
  let i = 0;
  const take = (name: string, attached: string): string => {
    if (attached !== "") return attached;
    if (i + 1 >= words.length) throw new BsubError(`bsub: option requires an argument -- ${name}\n${usage()}`);
    return words[++i]!;
  };
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (line && w.startsWith("#")) return { options, rest: [] };
    if (w === "--") return { options, rest: words.slice(i + 1) };
    if (!w.startsWith("-") || w === "-") break;
    const body = w.slice(1);
    if (body === "h" || body === "V") throw new BsubError(body === "V" ? "lsf-emu bsub (LSF emulator)" : usage(), 0);
    const def = OPTS[body];
    if (def && (flavour === "ibm" || !def.ibmOnly) && body.length > 1) {
      options.push({ name: body, value: def.arg ? take(body, "") : true });
      continue;
    }
    if (flavour === "ibm") {
      if (def) {
        options.push({ name: body, value: def.arg ? take(body, "") : true });
        continue;
      }
      // IBM also takes a value attached to a one-letter option (-qnormal).
      const d1 = OPTS[body[0]!];
      if (d1 && d1.arg) {
        options.push({ name: body[0]!, value: body.slice(1) });
        continue;
      }
      throw illegal(body);
    }
    // openlava: getopt-style scan of the letters; an option that takes an argument swallows
    // the rest of the word ("-wa" = "-w a", "-oo" = "-o o", "-cwd" = "-c wd").
    for (let k = 0; k < body.length; k++) {
      const c = body[k]!;
      const d = OPTS[c];
      if (!d || d.ibmOnly) throw illegal(c);
      if (d.arg) {
        options.push({ name: c, value: take(c, body.slice(k + 1)) });
        break;
      }
      options.push({ name: c, value: true });
    }
  }
  return { options, rest: words.slice(i) };
}

/** Split a line into words like a shell would for quoting (no expansions). */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"') {
      inWord = true;
      const end = text.indexOf(ch, i + 1);
      const stop = end < 0 ? text.length : end;
      let s = text.slice(i + 1, stop);
      if (ch === '"') s = s.replace(/\\(["\\$`])/g, "$1");
      cur += s;
      i = stop;
    } else if (ch === "\\" && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** Options from every #BSUB line of a script (volclava reads the whole script). */
export function scriptOptions(script: string, flavour: Flavour): ParsedOption[] {
  const lines = script.split("\n");
  const out: ParsedOption[] = [];
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/\r$/, "");
    if (!/^#\s*BSUB\s+-/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      line = line.replace(/\\\s*$/, " ") + lines[++i]!.replace(/\r$/, "");
    }
    const words = splitWords(line.replace(/^#\s*BSUB\s+/, ""));
    out.push(...parseWords(words, flavour, true).options);
  }
  return out;
}

/** Command-line options win; among #BSUB lines the first occurrence of an option wins. */
export function mergeOptions(cli: ParsedOption[], script: ParsedOption[]): Map<string, ParsedOption> {
  const merged = new Map<string, ParsedOption>();
  for (const o of [...cli, ...script]) {
    const slot = OPTS[o.name]?.slot ?? o.name;
    if (!merged.has(slot)) merged.set(slot, o);
  }
  return merged;
}

// ---------------------------------------------------------------- values

/** "[hour:]minute[/host]" → minutes, or undefined when malformed. */
export function parseMinutes(v: string): number | undefined {
  const m = /^\s*(?:(\d+):)?(\d+)(?:\/\S+)?\s*$/.exec(v);
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 60 + Number(m[2]);
}

export interface ArraySpec {
  name: string;
  indices: number[];
  slotLimit?: number;
}

const MAX_ARRAY_SIZE = 1000;

/** "name[1-10:2,15]%3" → indices; a plain name → undefined. */
export function parseArrayName(v: string): ArraySpec | undefined {
  const m = /^(.*)\[([^\]]*)\](?:%(\d+))?$/.exec(v);
  if (!m) return undefined;
  const indices = new Set<number>();
  for (const part of m[2]!.split(",")) {
    const r = /^\s*(\d+)(?:\s*-\s*(\d+)(?::(\d+))?)?\s*$/.exec(part);
    if (!r) throw new BsubError(`${v}: Bad job name. Job not submitted.`);
    const from = Number(r[1]);
    const to = r[2] !== undefined ? Number(r[2]) : from;
    const step = r[3] !== undefined ? Number(r[3]) : 1;
    if (from < 1 || to < from || step < 1 || to > 2147483646) {
      throw new BsubError(`${v}: Bad job name. Job not submitted.`);
    }
    for (let k = from; k <= to; k += step) {
      indices.add(k);
      if (indices.size > MAX_ARRAY_SIZE) {
        throw new BsubError(`${v}: Job array size exceeds MAX_JOB_ARRAY_SIZE (${MAX_ARRAY_SIZE}). Job not submitted.`);
      }
    }
  }
  const slotLimit = m[3] !== undefined ? Number(m[3]) : undefined;
  if (slotLimit !== undefined && slotLimit < 1) throw new BsubError(`${v}: Bad job name. Job not submitted.`);
  return { name: m[1]!, indices: [...indices].sort((a, b) => a - b), slotLimit };
}

export interface RequeueSpec {
  all: boolean;
  values: number[];
  not: number[];
  exclude: number[];
}

/** IBM -Q "[all] [~n ...] | [n ...] [EXCLUDE(n ...)]" */
export function parseRequeue(v: string): RequeueSpec {
  const spec: RequeueSpec = { all: false, values: [], not: [], exclude: [] };
  const bad = () => new BsubError(`${v}: Bad requeue exit value specification. Job not submitted.`);
  const text = v.replace(/EXCLUDE\(([^)]*)\)/gi, (_, inner: string) => {
    for (const t of inner.split(/\s+/).filter(Boolean)) {
      if (!/^\d+$/.test(t)) throw bad();
      spec.exclude.push(Number(t));
    }
    return " ";
  });
  for (const t of text.split(/\s+/).filter(Boolean)) {
    if (t.toLowerCase() === "all") spec.all = true;
    else if (/^~\d+$/.test(t)) spec.not.push(Number(t.slice(1)));
    else if (/^\d+$/.test(t)) spec.values.push(Number(t));
    else throw bad();
  }
  return spec;
}

/** Does exit code `code` requeue? "all" covers every non-zero code. */
export function requeueMatch(spec: RequeueSpec, code: number): "requeue" | "exclude" | undefined {
  if (spec.exclude.includes(code)) return "exclude";
  if (spec.values.includes(code)) return "requeue";
  if (spec.all && code !== 0 && !spec.not.includes(code)) return "requeue";
  return undefined;
}

export function validateSignal(v: string): boolean {
  return signalNumber(v) !== undefined;
}
