// bsub -w dependency conditions: done(), ended(), exit(), started(), a bare job id or name
// (= done), combined with &&, ||, ! and parentheses. A name refers to the newest job with it.
import { FINISHED, listJobIds, readJob, readState } from "./store.js";
import type { ElementState, JobRecord } from "./store.js";

type Node =
  | { k: "and" | "or"; a: Node; b: Node }
  | { k: "not"; a: Node }
  | { k: "cond"; fn: string; ref: string; op?: string; num?: number };

export class DependencyError extends Error {}

function tokenize(s: string): string[] {
  const out: string[] = [];
  const re = /\s*(&&|\|\||[()!,]|==|!=|>=|<=|>|<|[^\s()!,&|<>=]+)/y;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    m = re.exec(s);
    if (!m) {
      if (/^\s*$/.test(s.slice(pos))) break;
      throw new DependencyError("Dependency condition syntax error");
    }
    if (m[1] !== undefined) out.push(m[1]);
    pos = re.lastIndex;
  }
  return out;
}

export function parseDependency(s: string): Node {
  const t = tokenize(s);
  let i = 0;
  const err = () => new DependencyError("Dependency condition syntax error");
  const or = (): Node => {
    let a = and();
    while (t[i] === "||") {
      i++;
      a = { k: "or", a, b: and() };
    }
    return a;
  };
  const and = (): Node => {
    let a = unary();
    while (t[i] === "&&") {
      i++;
      a = { k: "and", a, b: unary() };
    }
    return a;
  };
  const unary = (): Node => {
    const tok = t[i++];
    if (tok === undefined) throw err();
    if (tok === "!") return { k: "not", a: unary() };
    if (tok === "(") {
      const n = or();
      if (t[i++] !== ")") throw err();
      return n;
    }
    if (/^[()&|,]/.test(tok)) throw err();
    if (t[i] === "(") {
      i++;
      const fn = tok.toLowerCase();
      if (!["done", "ended", "exit", "started", "post_done", "post_err", "external"].includes(fn)) throw err();
      const ref = t[i++];
      if (ref === undefined || ref === ")") throw err();
      let op: string | undefined;
      let num: number | undefined;
      if (t[i] === ",") {
        i++;
        if (t[i] && /^[<>=!]/.test(t[i]!)) op = t[i++];
        num = Number(t[i++]);
        if (!Number.isFinite(num)) throw err();
        op ??= "==";
      }
      if (t[i++] !== ")") throw err();
      return { k: "cond", fn, ref, op, num };
    }
    return { k: "cond", fn: "done", ref: tok };
  };
  const n = or();
  if (i !== t.length) throw err();
  return n;
}

function refs(n: Node): string[] {
  if (n.k === "cond") return [n.ref];
  if (n.k === "not") return refs(n.a);
  return [...refs(n.a), ...refs(n.b)];
}

interface Target {
  job: JobRecord;
  elements: ElementState[];
}

function resolveRef(home: string, ref: string, self: number): Target | undefined {
  const m = /^(\d+)(?:\[(\d+)\])?$/.exec(ref);
  if (m) {
    const job = readJob(home, Number(m[1]));
    const st = readState(home, Number(m[1]));
    if (!job || !st) return undefined;
    const els = m[2] === undefined ? st.elements : st.elements.filter((e) => e.index === Number(m[2]));
    return els.length ? { job, elements: els } : undefined;
  }
  const rx = new RegExp(`^${ref.replace(/[.+?^${}()|\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
  const ids = listJobIds(home).filter((id) => id !== self).reverse();
  for (const id of ids) {
    const job = readJob(home, id);
    if (job && (rx.test(job.name) || (job.nameSpec && rx.test(job.nameSpec)))) {
      const st = readState(home, id);
      if (st) return { job, elements: st.elements };
    }
  }
  return undefined;
}

/** The references that name no existing job (IBM rejects those at submission). */
export function unknownRefs(home: string, expr: string, self: number): string[] {
  return refs(parseDependency(expr)).filter((r) => !resolveRef(home, r, self));
}

/** true when satisfied; false while not (yet). A reference to no job is never satisfied. */
export function dependencySatisfied(home: string, expr: string, self: number): boolean {
  const ev = (n: Node): boolean => {
    if (n.k === "and" || n.k === "or") return n.k === "and" ? ev(n.a) && ev(n.b) : ev(n.a) || ev(n.b);
    if (n.k === "not") return !ev(n.a);
    return cond(n as Extract<Node, { k: "cond" }>);
  };
  const cond = (n: Extract<Node, { k: "cond" }>): boolean => {
    const t = resolveRef(home, n.ref, self);
    if (!t) return false;
    return t.elements.every((e) => {
      const fin = FINISHED.has(e.stat);
      switch (n.fn) {
        case "done":
        case "post_done":
          return e.stat === "DONE";
        case "exit":
        case "post_err": {
          if (e.stat !== "EXIT") return false;
          if (n.num === undefined) return true;
          const c = e.exitCode ?? -1;
          const x = n.num;
          return n.op === "!=" ? c !== x : n.op === ">" ? c > x : n.op === "<" ? c < x : n.op === ">=" ? c >= x : n.op === "<=" ? c <= x : c === x;
        }
        case "ended":
          return fin;
        case "started":
          return e.stat !== "PEND" && e.stat !== "PSUSP";
        default:
          return false;
      }
    });
  };
  try {
    return ev(parseDependency(expr));
  } catch {
    return false;
  }
}
