// End-to-end tests on a real Slurm (scripts/slurm-cluster.sh start): jobs are rendered and
// submitted through the CLI (`crjob submit` → `sbatch --parsable <`), watched with
// `scontrol show job -o`, and killed with scancel or kill -9. The checkpointer stand-ins
// (test/bin) reach the job through its environment: sbatch exports the submitter's PATH.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crjob, realDmtcpPrefix, ROOT } from "../helpers.js";

export const TEST_BIN = join(ROOT, "test", "bin");
export const STARS = join(ROOT, "test", "apps", "stars");
export const PICKLER = join(ROOT, "test", "apps", "pickler");

/** Why the real-Slurm tests cannot run here, or null when a node takes jobs. */
export function slurmDown(): string | null {
  const r = spawnSync("sinfo", ["-h", "-o", "%T"], { encoding: "utf8", timeout: 20_000 });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT") return "sinfo did not answer within 20s (is slurmctld running? scripts/slurm-cluster.sh start)";
  if (r.error) return `sinfo: ${r.error.message} (apt-get install -y slurm-wlm munge; scripts/slurm-cluster.sh start)`;
  if (r.status !== 0) return `sinfo exited ${r.status}: ${(r.stderr ?? "").trim().split("\n").pop()} (scripts/slurm-cluster.sh start)`;
  const states = (r.stdout ?? "").split("\n").filter(Boolean);
  if (!states.some((s) => /^(idle|mixed|allocated)/.test(s))) return `no Slurm node takes jobs (sinfo: ${states.join(", ") || "none"})`;
  return null;
}

/** The real DMTCP's install prefix with CRJOB_TEST_DMTCP=real (test/helpers.ts), else null. */
export const REAL_DMTCP: string | null = realDmtcpPrefix();

export interface SlurmJobDirs {
  root: string;
  submit: string;
  state: string;
  scratch: string;
  site: string;
}

const made: string[] = [];

/** A spec in a fresh temp dir with a Slurm site profile; `$STATE`, `$SCRATCH` are filled in. */
export function prepare(spec: string): SlurmJobDirs {
  const root = mkdtempSync(join(tmpdir(), "crjob-slurm-"));
  made.push(root);
  const dirs = { root, submit: join(root, "submit"), state: join(root, "state"), scratch: join(root, "scratch"), site: join(root, "site.yaml") };
  mkdirSync(dirs.submit);
  mkdirSync(dirs.scratch);
  // No queues: cr_* and dmtcp_* come from PATH (the stand-ins); with the real DMTCP
  // (CRJOB_TEST_DMTCP=real), the queues name its prefix, as a site's profile would.
  writeFileSync(dirs.site, REAL_DMTCP ? `flavour: slurm\nqueues:\n  normal:\n    dmtcp: ${JSON.stringify(REAL_DMTCP)}\n  short:\n    dmtcp: ${JSON.stringify(REAL_DMTCP)}\n` : "flavour: slurm\n");
  writeFileSync(join(dirs.submit, "job.yaml"), spec.replaceAll("$STATE", dirs.state).replaceAll("$SCRATCH", dirs.scratch));
  return dirs;
}

export function removeTempDirs(): void {
  if (process.env.CRJOB_TEST_KEEP === "1") return; // keep them to look at a failure
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

const submitted = new Set<string>();

/** `crjob submit job.yaml` in the submit dir, with test/bin first on PATH (and `env`: sbatch passes
 * the submitter's environment to the job); the job id. */
export function submit(dirs: SlurmJobDirs, env: NodeJS.ProcessEnv = {}): string {
  const r = crjob(["submit", "job.yaml", "--site", dirs.site], {
    cwd: dirs.submit,
    env: { PATH: `${TEST_BIN}:${process.env.PATH}`, ...env },
  });
  if (r.code !== 0 || !/^\d+\n$/.test(r.stdout)) throw new Error(`crjob submit failed (${r.code}): ${r.stdout}${r.stderr}`);
  const id = r.stdout.trim();
  submitted.add(id);
  return id;
}

/** scancel every job the tests submitted that may still be there (test clean-up). */
export function cancelAll(): void {
  if (submitted.size) spawnSync("scancel", [...submitted], { timeout: 20_000 });
  submitted.clear();
}

export interface JobInfo {
  state: string;
  exitCode: string;
  restarts: number;
  arrayTaskId: string | null;
}

/** `scontrol show job -o ID`: one entry per job (per element for an array), asynchronously. */
export function jobInfo(id: string): Promise<JobInfo[]> {
  return new Promise((resolve) => {
    const child = spawn("scontrol", ["show", "job", "-o", id], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", () => {
      resolve(
        out
          .split("\n")
          .filter((l) => l.includes("JobState="))
          .map((l) => {
            const f = (k: string) => new RegExp(`(?:^|\\s)${k}=(\\S*)`).exec(l)?.[1] ?? "";
            return { state: f("JobState"), exitCode: f("ExitCode"), restarts: Number(f("Restarts") || 0), arrayTaskId: f("ArrayTaskId") || null };
          }),
      );
    });
  });
}

/** Wait (polling once a second) until `cond` holds for the job's entries; they are returned. */
export async function waitJob(id: string, what: string, cond: (jobs: JobInfo[]) => boolean, timeoutMs: number): Promise<JobInfo[]> {
  const start = Date.now();
  let last: JobInfo[] = [];
  for (;;) {
    last = await jobInfo(id);
    if (last.length && cond(last)) return last;
    if (Date.now() - start > timeoutMs) throw new Error(`job ${id}: timed out after ${timeoutMs / 1000}s waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(1000);
  }
}

export const ended = (state: string) => (jobs: JobInfo[]) => jobs.every((j) => j.state === state);

export async function waitFor(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(500);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Complete generation numbers in a state dir. */
export function generations(stateDir: string): number[] {
  try {
    return readdirSync(stateDir)
      .map((d) => /^gen\.(\d+)$/.exec(d))
      .filter((m): m is RegExpExecArray => m !== null)
      .filter((m) => {
        try {
          return readFileSync(join(stateDir, m[0], "meta"), "utf8").length > 0;
        } catch {
          return false;
        }
      })
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

/** PIDs of every process of the job: those with SLURM_JOB_ID=ID in their environment. */
export function jobPids(id: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const env = readFileSync(`/proc/${d}/environ`, "utf8").split("\0");
      if (env.includes(`SLURM_JOB_ID=${id}`)) pids.push(Number(d));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return pids;
}

export function read(path: string): string {
  return readFileSync(path, "utf8");
}

/** What the stars and pickler apps print for lines 1..n: line i is i stars. */
export function starsOutput(n: number): string {
  let out = "";
  for (let i = 1; i <= n; i++) out += "*".repeat(i) + "\n";
  return out;
}
