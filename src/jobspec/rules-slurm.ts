// Rules for a Slurm site (site profile flavour: slurm). The spec's lsf.* fields carry over to
// Slurm (normalize.ts, sbatchLines); these rules catch the ones that cannot, and check
// slurm.extra. On LSF, slurm.extra is ignored quietly: it is the Slurm half of a portable spec.
import type { Severity } from "../diagnostics.js";
import type { PathSegment } from "./load.js";
import { checkSbatchOption } from "./slurm.js";
import type { SiteProfile } from "./types.js";

export interface SlurmRuleContext {
  spec: Record<string, unknown>;
  site: SiteProfile | null;
  report(path: PathSegment[], severity: Severity, message: string, hint?: string, at?: "value" | "key" | { index: number }): void;
}

/** --signal=B:SIG@secs takes at most 65535 seconds (sbatch(1)). */
const MAX_SIGNAL_SECONDS = 65535;

export function slurmRules(ctx: SlurmRuleContext, durationOf: (v: unknown) => number | null): void {
  if (ctx.site?.flavour !== "slurm") return;
  const lsf = isRecord(ctx.spec.lsf) ? ctx.spec.lsf : {};
  const slurm = isRecord(ctx.spec.slurm) ? ctx.spec.slurm : {};
  const hasSlurmExtra = Array.isArray(slurm.extra);

  for (const field of ["resources", "extra"] as const) {
    if (lsf[field] === undefined || hasSlurmExtra) continue;
    ctx.report(
      ["lsf", field],
      "error",
      field === "resources"
        ? "LSF resource requirements (-R) have no Slurm equivalent, and the site profile's flavour is slurm"
        : "bsub options do not apply on Slurm, and the site profile's flavour is slurm",
      'say what Slurm gets in slurm.extra, e.g. slurm: {extra: ["--mem=4000"]}; lsf.resources and lsf.extra then stay LSF\'s',
      "key",
    );
  }

  const requeue = lsf.requeue;
  if (requeue === "exit" || requeue === "brequeue") {
    ctx.report(
      ["lsf", "requeue"],
      "error",
      `"${requeue}" is LSF's: on Slurm the job requeues itself with scontrol requeue`,
      'use requeue: auto (scontrol requeue) or none',
    );
  }
  if (lsf.requeue_exit !== undefined) {
    ctx.report(["lsf", "requeue_exit"], "warning", "ignored on Slurm: the job requeues itself with scontrol requeue", undefined, "key");
  }

  const before = isRecord(lsf.warning) ? durationOf(lsf.warning.before) : null;
  if (before !== null && before > MAX_SIGNAL_SECONDS) {
    ctx.report(["lsf", "warning", "before"], "error", `too long for Slurm's --signal (at most ${MAX_SIGNAL_SECONDS}s, about 18h)`);
  }

  if (!Array.isArray(slurm.extra)) return;
  slurm.extra.forEach((entry, i) => {
    if (typeof entry !== "string" || entry === "") return;
    const problem = checkSbatchOption(entry);
    if (problem) ctx.report(["slurm", "extra", i], "error", problem.message, problem.hint, { index: problem.index });
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
