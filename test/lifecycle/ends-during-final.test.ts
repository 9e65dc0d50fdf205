// The app ends on its own while crjob takes the final checkpoint before the run limit. The
// checkpointer then fails (its app is gone), and the job must end as the app did, not requeue
// to a generation behind the app's end: seen in a steady run under load, where a DMTCP restore
// took most of each 6-second run limit, the restored app finished during every final checkpoint,
// and the job requeued from the same generation until its requeue cap (exit 1, EXIT).
//
// The race is made certain, not hoped for: the app waits before its last line, and a shim in front of
// the checkpointer's stand-in lets it go and waits until it is gone before the checkpoint runs.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generations, prepareJob, REAL_BLCR, runJob, starsOutput, starsSpec, TEST_BIN, TOOLS_PATH, type PreparedJob } from "./harness.js";
import { history } from "./promises.js";

const LINES = 60;

// BLCR: `cr_checkpoint ... PID`, the PID last. DMTCP: `dmtcp_command --coord-port P -bc` (the
// restore's and the end's --status calls pass through); its coordinator exits on its last client
// (fakedmtcp README), so the app is gone once the status fails.
const SHIMS = {
  blcr: {
    name: "cr_checkpoint",
    only: "",
    gone: `pid=\${*: -1}
while kill -0 "$pid" 2>/dev/null; do
  read -r st <"/proc/$pid/stat" 2>/dev/null || break
  st=\${st##*) }; [ "\${st%% *}" != Z ] || break
  sleep 0.05
done`,
  },
  dmtcp: {
    name: "dmtcp_command",
    only: `case " $* " in *" -bc "*) ;; *) exec "$REAL" "$@" ;; esac`,
    gone: `while "$REAL" --coord-port "$2" --status >/dev/null 2>&1; do sleep 0.05; done`,
  },
} as const;

function shim(job: PreparedJob, tool: keyof typeof SHIMS): string {
  const dir = join(job.dirs.root, "shim");
  mkdirSync(dir);
  const s = SHIMS[tool];
  const file = join(dir, s.name);
  writeFileSync(
    file,
    `#!/bin/bash
# test shim: the app ends while this checkpoint is being taken
REAL=${JSON.stringify(join(TEST_BIN, s.name))}
${s.only}
: >${JSON.stringify(join(job.dirs.root, "go"))} # the app prints its last line and exits
${s.gone}
exec "$REAL" "$@"
`,
  );
  chmodSync(file, 0o755);
  return dir;
}

describe.skipIf(REAL_BLCR)("the app ends during the final checkpoint before the run limit", { timeout: 180_000 }, () => {
  for (const tool of ["blcr", "dmtcp"] as const) {
    it(`${tool}: the job ends as the app did (status 0, done), no requeue`, async () => {
      // Interval far beyond the limit: the final checkpoint is the only one.
      const job = prepareJob(starsSpec({ name: "race", tool, lines: LINES, tick: 0.02, interval: "1h", hold: LINES - 1, extra: "lsf:\n  runlimit: 1\n" }));
      const dir = shim(job, tool);
      const run = runJob(job, "7101", { CRJOB_RUNLIMIT_SECONDS: "4", PATH: `${dir}:${TOOLS_PATH}:${process.env.PATH}` });
      const { code } = await run.done;
      const log = run.log();
      expect(log, "the final checkpoint was not the trigger").toMatch(/^crjob: run limit near: final checkpoint, then requeue$/m);
      expect(log).toMatch(/^crjob: checkpoint 1 failed \(\w+ exit \d+\); keeping generation 0$/m);
      expect(log).toContain("crjob: the app ended (status 0) during the final checkpoint\n");
      expect(log).toContain("crjob: app exited with status 0\n");
      expect(log).not.toMatch(/requeue \d+:/);
      expect(code, log).toBe(0);
      expect(history(job.dirs.state).map((e) => e.event).at(-1)).toBe("end done status=0");
      expect(generations(job.dirs.state)).toEqual([]);
      expect(readFileSync(join(job.dirs.submit, "stars.out"), "utf8")).toBe(starsOutput(LINES));
    });
  }
});
