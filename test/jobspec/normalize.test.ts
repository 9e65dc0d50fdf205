// normalizeSpec in-process: every default applied once and every decision made (the #BSUB lines,
// the checkpoint timing, the requeue method), on specs that passed checkSpec, the way
// `crjob render` calls it. The rendered scripts are checked elsewhere (examples, lifecycle); these
// tests pin the model itself, so a wrong default cannot hide behind a template that ignores it.
import { describe, expect, it } from "vitest";
import { formatDiagnostic, hasErrors } from "../../src/diagnostics.js";
import { checkSpec } from "../../src/jobspec/check.js";
import { normalizeSpec } from "../../src/jobspec/normalize.js";
import type { Mode, Spec } from "../../src/jobspec/types.js";
import type { JobModel } from "../../src/model.js";
import { VERSION } from "../../src/version.js";
import { site as loadedSite, spec } from "./helpers.js";

/** The model for `source`, after checking it as `crjob render` does (errors fail the test). */
function model(source: string, opts: { site?: string; mode?: Mode } = {}): JobModel {
  const s = opts.site === undefined ? null : loadedSite(opts.site);
  const { loaded, diagnostics } = checkSpec(source, "job.yaml", s);
  if (hasErrors(diagnostics)) throw new Error(diagnostics.map(formatDiagnostic).join("\n"));
  return normalizeSpec(loaded.data as Spec, { specFile: "jobs/job.yaml", site: s?.data ?? null, mode: opts.mode });
}

describe("normalizeSpec: defaults", () => {
  it("a minimal spec gets every default", () => {
    expect(model(spec())).toEqual({
      specFile: "jobs/job.yaml",
      crjobVersion: VERSION,
      name: "stars",
      queue: "mw256",
      slots: 1,
      mode: "auto",
      flavour: "ibm",
      scheduler: "lsf",
      submitCommand: "bsub",
      jobIdVar: "LSB_JOBID",
      bsubLines: ["-J stars", "-q mw256", "-n 1", "-o stars.%J.log", '-Q "99"'],
      sbatchLines: [],
      array: null,
      app: { command: "./t-20001030-01", args: [], output: "stars.out", env: [], restartCommand: null, restartArgs: null },
      stageIn: [],
      stageOut: [],
      tool: "blcr",
      intervalSeconds: 43200,
      intervalAuto: false,
      mtbfSeconds: null,
      stateDir: "$HOME/.crjob/stars",
      keep: 2,
      keepOnSuccess: false,
      restorePid: "auto",
      appFiles: [],
      appSignal: null,
      appReady: { marker: null, stableSeconds: null, timeoutSeconds: 600 },
      scratch: "/sanscratch",
      blcrPrefix: null,
      dmtcpPrefix: null,
      runlimitSeconds: null,
      limitMarginSeconds: 0,
      requeue: { method: "exit", exitCode: 99, maxRequeues: 20 },
      warningSignal: null,
    } satisfies JobModel);
  });

  it("every field set in the spec wins over its default", () => {
    const source = `name: stars
queue: mw256
slots: 4
mode: fresh
app:
  command: ./t
  args: [-n, "100"]
  output: logs/out.txt
  env: { OMP_NUM_THREADS: "4", LANG: C }
stage: { in: [input.dat], out: ["*.dat", results] }
scratch: /tmp/scratch
checkpoint:
  tool: blcr
  interval: 1h30m
  dir: ~/ck/stars
  keep: 3
  keep_on_success: true
  restore_pid: never
lsf:
  max_requeues: 5
  requeue_exit: 42
`;
    expect(model(source)).toMatchObject({
      slots: 4,
      mode: "fresh",
      bsubLines: ["-J stars", "-q mw256", "-n 4", "-o stars.%J.log", '-Q "42"'],
      app: {
        command: "./t",
        args: ["-n", "100"],
        output: "logs/out.txt",
        env: [{ name: "OMP_NUM_THREADS", value: "4" }, { name: "LANG", value: "C" }],
        restartCommand: null,
        restartArgs: null,
      },
      stageIn: ["input.dat"],
      stageOut: ["*.dat", "results"],
      intervalSeconds: 5400,
      stateDir: "~/ck/stars",
      keep: 3,
      keepOnSuccess: true,
      restorePid: "never",
      scratch: "/tmp/scratch",
      requeue: { method: "exit", exitCode: 42, maxRequeues: 5 },
    });
  });

  it("--mode overrides the spec's mode", () => {
    expect(model(spec({ top: "mode: fresh" }), { mode: "restart" }).mode).toBe("restart");
    expect(model(spec({ top: "mode: fresh" })).mode).toBe("fresh");
  });

  it("the site profile supplies scratch, the state root and per-queue prefixes", () => {
    const site = "scratch: /scratch\nstate_root: /home/$USER/state//\nqueues:\n  mw256: { blcr: /b/mw256, dmtcp: /d/mw256 }\n";
    expect(model(spec(), { site })).toMatchObject({ scratch: "/scratch", stateDir: "/home/$USER/state/stars", blcrPrefix: "/b/mw256", dmtcpPrefix: null });
    const dmtcp = model(spec({ checkpoint: "  tool: dmtcp\n  interval: 1h" }), { site });
    expect(dmtcp).toMatchObject({ blcrPrefix: null, dmtcpPrefix: "/d/mw256", tool: "dmtcp" });
    // The spec's own scratch wins over the site's.
    expect(model(spec({ top: "scratch: /mine" }), { site }).scratch).toBe("/mine");
  });

  it("a queue without prefixes in the profile takes the tools from PATH", () => {
    const site = "queues:\n  mw256: {}\n  other: { blcr: /b, dmtcp: /d }\n";
    expect(model(spec({ checkpoint: "  tool: dmtcp\n  interval: 1h" }), { site })).toMatchObject({ blcrPrefix: null, dmtcpPrefix: null });
  });
});

describe("normalizeSpec: checkpoint timing", () => {
  const cases: [string, { checkpoint: string; site?: string; want: Partial<JobModel> }][] = [
    ["a fixed interval", { checkpoint: "  interval: 2h", want: { intervalSeconds: 7200, intervalAuto: false, mtbfSeconds: null } }],
    // Young/Daly with the assumed first checkpoint cost of 60s: sqrt(2 * 60 * mtbf).
    ["auto with the spec's mtbf", { checkpoint: "  interval: auto\n  mtbf: 1d", want: { intervalSeconds: 3220, intervalAuto: true, mtbfSeconds: 86400 } }],
    ["auto with the site's mtbf", { checkpoint: "  interval: auto", site: "mtbf: 12h\n", want: { intervalSeconds: 2277, intervalAuto: true, mtbfSeconds: 43200 } }],
    ["the spec's mtbf wins over the site's", { checkpoint: "  interval: auto\n  mtbf: 3d", site: "mtbf: 12h\n", want: { intervalSeconds: 5577, mtbfSeconds: 259200 } }],
    ["tool none: no interval", { checkpoint: "  tool: none", want: { tool: "none", intervalSeconds: null, intervalAuto: false, mtbfSeconds: null } }],
  ];
  it.each(cases)("%s", (_, { checkpoint, site, want }) => {
    expect(model(spec({ checkpoint }), { site })).toMatchObject(want);
  });

  it("tool app: files, signal without SIG, readiness", () => {
    const m = model(spec({
      app: "  restart_command: ./resume\n  restart_args: [-cpi, state.cpt]",
      checkpoint: "  tool: app\n  interval: 1h\n  files: [state.cpt, 'out/*']\n  signal: SIGUSR1\n  ready: { marker: done.flag, stable: 10s, timeout: 2m }",
    }));
    expect(m).toMatchObject({
      tool: "app",
      app: { restartCommand: "./resume", restartArgs: ["-cpi", "state.cpt"] },
      appFiles: ["state.cpt", "out/*"],
      appSignal: "USR1",
      appReady: { marker: "done.flag", stableSeconds: 10, timeoutSeconds: 120 },
    });
    expect(model(spec({ checkpoint: "  tool: app\n  interval: 1h\n  files: [s]\n  signal: USR2" })).appSignal).toBe("USR2");
    expect(model(spec({ checkpoint: "  tool: app\n  interval: 1h\n  files: [s]\n  ready: { stable: 5s }" })).appReady).toEqual({
      marker: null, stableSeconds: 5, timeoutSeconds: 600,
    });
  });
});

describe("normalizeSpec: run limit and requeue", () => {
  const cases: [string, { lsf?: string; checkpoint?: string; site?: string; want: Partial<JobModel> }][] = [
    // margin: a tenth of the limit, at least 60s, at most 900s, never more than half the limit.
    ["a tenth of 2h", { lsf: "  runlimit: 2h", want: { runlimitSeconds: 7200, limitMarginSeconds: 720 } }],
    ["at most 15m", { lsf: "  runlimit: 24h", want: { runlimitSeconds: 86400, limitMarginSeconds: 900 } }],
    ["at least 1m", { lsf: "  runlimit: 5m", checkpoint: "  interval: 1m", want: { runlimitSeconds: 300, limitMarginSeconds: 60 } }],
    ["never more than half the limit", { lsf: "  runlimit: 1", checkpoint: "  interval: 30s", want: { runlimitSeconds: 60, limitMarginSeconds: 30 } }],
    ["no run limit: no margin, whatever the warning says", { lsf: "  warning: { signal: USR1, before: 10m }", want: { runlimitSeconds: null, limitMarginSeconds: 0 } }],
    ["the warning's before is the margin", { lsf: "  runlimit: 24h\n  warning: { before: 20m }", want: { limitMarginSeconds: 1200, warningSignal: null } }],
    ["hours:minutes", { lsf: '  runlimit: "13:30"', want: { runlimitSeconds: 48600 } }],
    ["plain minutes", { lsf: "  runlimit: 1440", want: { runlimitSeconds: 86400 } }],
    ["ibm: -Q by default", { lsf: "  runlimit: 24h", want: { requeue: { method: "exit", exitCode: 99, maxRequeues: 20 } } }],
    ["openlava: brequeue when the queue lacks the code", { lsf: "  runlimit: 24h", site: "flavour: openlava\nqueues:\n  mw256: { blcr: /b, requeue_exit_values: [98] }\n", want: { flavour: "openlava", requeue: { method: "brequeue", exitCode: 99, maxRequeues: 20 } } }],
    ["openlava: exit when the queue requeues the code", { lsf: "  runlimit: 24h", site: "flavour: openlava\nqueues:\n  mw256: { blcr: /b, requeue_exit_values: [98, 99] }\n", want: { requeue: { method: "exit", exitCode: 99, maxRequeues: 20 } } }],
    ["openlava without a queue profile: brequeue", { lsf: "  runlimit: 24h", site: "flavour: openlava\n", want: { requeue: { method: "brequeue", exitCode: 99, maxRequeues: 20 } } }],
    ["an explicit method wins", { lsf: "  runlimit: 24h\n  requeue: brequeue", want: { requeue: { method: "brequeue", exitCode: 99, maxRequeues: 20 } } }],
    ["tool none never requeues", { lsf: "  runlimit: 24h\n  requeue: exit", checkpoint: "  tool: none", want: { requeue: { method: "none", exitCode: 99, maxRequeues: 20 } } }],
  ];
  it.each(cases)("%s", (_, { lsf, checkpoint = "  interval: 10m", site, want }) => {
    expect(model(spec({ lsf, checkpoint }), { site })).toMatchObject(want);
  });
});

describe("normalizeSpec: #BSUB lines", () => {
  const base = ["-J stars", "-q mw256", "-n 1", "-o stars.%J.log"];
  const cases: [string, { top?: string; lsf?: string; checkpoint?: string; site?: string; want: string[] }][] = [
    ["every field", {
      lsf: "  output: out.%J\n  error: err.%J\n  runlimit: 90m\n  resources: rusage[mem=4000]\n  rerunnable: true",
      want: ["-J stars", "-q mw256", "-n 1", "-o out.%J", "-e err.%J", "-W 1:30", "-R rusage[mem=4000]", "-r", '-Q "99"'],
    }],
    ["rerunnable: false writes no -r", { lsf: "  rerunnable: false", want: [...base, '-Q "99"'] }],
    ["a value with a space is double-quoted", { lsf: "  resources: select[mem>1] rusage[mem=4000]", want: [...base, '-R "select[mem>1] rusage[mem=4000]"', '-Q "99"'] }],
    ["a value with a double quote is single-quoted", { lsf: "  resources: 'a\"b'", want: [...base, "-R 'a\"b'", '-Q "99"'] }],
    ["every safe character stays bare", { lsf: "  output: A-z_0.9@%+=:,/[x]", want: ["-J stars", "-q mw256", "-n 1", "-o A-z_0.9@%+=:,/[x]", '-Q "99"'] }],
    ["the run limit in minutes", { lsf: "  runlimit: 45", want: [...base, "-W 45", '-Q "99"'] }],
    ["ibm warning: -wa and -wt, SIG dropped", { lsf: "  runlimit: 24h\n  warning: { signal: SIGUSR1, before: 10m }", want: [...base, "-W 24:00", '-Q "99"', "-wa USR1", "-wt 10"] }],
    ["ibm warning: -wt at least a minute", { lsf: "  runlimit: 24h\n  warning: { signal: USR2, before: 30s }", want: [...base, "-W 24:00", '-Q "99"', "-wa USR2", "-wt 1"] }],
    ["a warning signal without before: no -wa", { lsf: "  runlimit: 24h\n  warning: { signal: USR1 }", want: [...base, "-W 24:00", '-Q "99"'] }],
    ["openlava requeueing by exit code: still no -Q", {
      lsf: "  runlimit: 24h\n  requeue: exit", site: "flavour: openlava\nqueues:\n  mw256: { blcr: /b, requeue_exit_values: [99] }\n",
      want: [...base, "-W 24:00"],
    }],
    ["extra: the value after any run of spaces", { lsf: "  extra: ['-M   4000']", want: [...base, '-Q "99"', "-M 4000"] }],
    ["openlava: no -Q, no -wa", {
      lsf: "  runlimit: 24h\n  warning: { signal: USR1, before: 10m }", site: "flavour: openlava\n",
      want: [...base, "-W 24:00"],
    }],
    ["requeue none: no -Q", { lsf: "  runlimit: 24h\n  requeue: none", want: [...base, "-W 24:00"] }],
    ["extra: a value the user quoted keeps one pair of quotes", {
      lsf: `  extra: ['-P "my project"', "-G 'grp a'", '-u me@x.org']`,
      want: [...base, '-Q "99"', '-P "my project"', '-G "grp a"', "-u me@x.org"],
    }],
    ["extra options, values quoted as needed", {
      lsf: "  extra: ['-M 4000', '  -P a&b  ', '  -B  ']",
      want: [...base, '-Q "99"', "-M 4000", '-P "a&b"', "-B"],
    }],
    ["an array: the limit after the brackets", { top: "array: 1-100%10", lsf: "  output: o.%J.%I", want: ["-J stars[1-100]%10", "-q mw256", "-n 1", "-o o.%J.%I", '-Q "99"'] }],
    ["an array without a limit", { top: "array: '1,3,5-9'", want: ["-J stars[1,3,5-9]", "-q mw256", "-n 1", "-o stars.%J.%I.log", '-Q "99"'] }],
  ];
  it.each(cases)("%s", (_, { top, lsf, checkpoint = "  interval: 10m", site, want }) => {
    expect(model(spec({ top, lsf, checkpoint }), { site }).bsubLines).toEqual(want);
  });

  it("an array's job name and log keep the element index", () => {
    expect(model(spec({ top: "array: 1-100%10", lsf: "  output: o.%J.%I" })).array).toBe("1-100%10");
  });

  it("refuses a value with a line break (validation rejects it first; this is the last guard)", () => {
    const { loaded } = checkSpec(spec(), "job.yaml", null);
    const data = loaded.data as Spec;
    for (const bad of ["a\nb", "a\rb", "a\0b"]) {
      expect(() => normalizeSpec({ ...data, lsf: { resources: bad } }, { specFile: "x" })).toThrow(
        `#BSUB value with a line break: ${JSON.stringify(bad)}`,
      );
    }
  });
});

describe("normalizeSpec: its own fallbacks", () => {
  // The rules refuse these specs (auto needs an MTBF; a checkpointer needs an interval), but the
  // model still holds a usable value for a caller that skipped them (a library user).
  const bare = { name: "s", queue: "q", app: { command: "x" } } satisfies Spec;
  it("interval auto without an MTBF assumes 3 days", () => {
    expect(normalizeSpec({ ...bare, checkpoint: { interval: "auto" } }, { specFile: "s" })).toMatchObject({ mtbfSeconds: 259200, intervalSeconds: 5577 });
  });
  it("a checkpointer without an interval checkpoints hourly", () => {
    expect(normalizeSpec({ ...bare, checkpoint: { tool: "dmtcp" } }, { specFile: "s" })).toMatchObject({ intervalSeconds: 3600, intervalAuto: false, mtbfSeconds: null });
  });
});
