// The Slurm flavour: what the spec's lsf.* fields become on a Slurm site (#SBATCH lines, the
// requeue method), what cannot carry over (errors at file:line:col), and slurm.extra.
import { describe, expect, it } from "vitest";
import { compileJob } from "../../src/index.js";
import { checkSbatchOption, slurmFileName } from "../../src/jobspec/slurm.js";
import { lines, site, SLURM_SITE as SLURM, spec } from "./helpers.js";

const IBM = site("queues:\n  mw256: { blcr: /b }\n");

describe("checkRules on a Slurm site", () => {
  type Case = [string, { given: string; site?: typeof SLURM; want: string[] }];
  const cases: Case[] = [
    ["today's fields carry over", { given: spec({ lsf: "  runlimit: 24h\n  output: o.%J\n  rerunnable: true\n  max_requeues: 3\n  warning: { signal: URG, before: 10m }" }), want: [] }],
    ["resources without slurm.extra", { given: spec({ lsf: '  resources: "rusage[mem=4000]"' }), want: [
      "job.yaml:8:3 error lsf.resources: LSF resource requirements (-R) have no Slurm equivalent, and the site profile's flavour is slurm (say what Slurm gets in slurm.extra, e.g. slurm: {extra: [\"--mem=4000\"]}; lsf.resources and lsf.extra then stay LSF's)",
    ] }],
    ["lsf.extra without slurm.extra", { given: spec({ lsf: '  extra: ["-P proj"]' }), want: [
      "job.yaml:8:3 error lsf.extra: bsub options do not apply on Slurm, and the site profile's flavour is slurm (say what Slurm gets in slurm.extra, e.g. slurm: {extra: [\"--mem=4000\"]}; lsf.resources and lsf.extra then stay LSF's)",
    ] }],
    ["both halves of a portable spec", { given: spec({ lsf: '  resources: "rusage[mem=4000]"\n  extra: ["-P proj"]\nslurm:\n  extra: ["--mem=4000", "--account proj", "-A proj"]' }), want: [] }],
    ["requeue exit is LSF's", { given: spec({ checkpoint: "  interval: 10m", lsf: "  runlimit: 1h\n  requeue: exit\n  requeue_exit: 98" }), want: [
      'job.yaml:9:12 error lsf.requeue: "exit" is LSF\'s: on Slurm the job requeues itself with scontrol requeue (use requeue: auto (scontrol requeue) or none)',
      "job.yaml:10:3 warning lsf.requeue_exit: ignored on Slurm: the job requeues itself with scontrol requeue",
    ] }],
    ["brequeue is LSF's", { given: spec({ checkpoint: "  interval: 10m", lsf: "  runlimit: 1h\n  requeue: brequeue" }), want: [
      'job.yaml:9:12 error lsf.requeue: "brequeue" is LSF\'s: on Slurm the job requeues itself with scontrol requeue (use requeue: auto (scontrol requeue) or none)',
    ] }],
    ["warning longer than --signal takes", { given: spec({ checkpoint: "  interval: 1h", lsf: "  runlimit: 3d\n  warning: { before: 19h }" }), want: [
      "job.yaml:9:22 error lsf.warning.before: too long for Slurm's --signal (at most 65535s, about 18h)",
    ] }],
    ["slurm.extra: options crjob sets, two options, not an option", { given: spec({ checkpoint: "  interval: 10m", lsf: "  runlimit: 1h" }) + 'slurm:\n  extra: ["--time=5", "-p short", "--mem=1 --x", "mem=4"]\n', want: [
      "job.yaml:10:12 error slurm.extra[0]: --time is set by crjob (use the field lsf.runlimit instead)",
      "job.yaml:10:24 error slurm.extra[1]: -p is set by crjob (use the field queue (the partition) instead)",
      "job.yaml:10:44 error slurm.extra[2]: holds more than one option (one option per entry)",
      'job.yaml:10:51 error slurm.extra[3]: "mem=4" is not an sbatch option (one option with its value, e.g. "--mem=4000" or "-A myproject")',
    ] }],
    ["unknown key in slurm", { given: spec() + "slurm:\n  extras: []\n", want: [
      'job.yaml:8:3 error slurm.extras: unknown property (did you mean "extra"?)',
    ] }],
    ["slurm.extra is ignored on LSF", { given: spec() + 'slurm:\n  extra: ["--time=5"]\n', site: IBM, want: [] }],
    ["interval longer than the limit: a warning, on both", { given: spec({ checkpoint: "  interval: 2h", lsf: "  runlimit: 1h" }), want: [
      'job.yaml:6:13 warning checkpoint.interval: not shorter than lsf.runlimit ("1h"): the job checkpoints only before its run limit and when killed (bkill, scancel), so a lost node loses the whole run (right when a checkpoint is expensive; else e.g. interval: 30m)',
    ] }],
  ];
  it.each(cases)("%s", (_, { given, site: s, want }) => expect(lines(given, s ?? SLURM)).toEqual(want));
});

describe("the Slurm job model", () => {
  const model = (source: string) => compileJob(source, "job.yaml", { site: SLURM }).job;

  it.each<[string, string, Partial<ReturnType<typeof model>>]>([
    ["a plain job", spec(), {
      scheduler: "slurm", submitCommand: "sbatch", jobIdVar: "SLURM_JOB_ID", bsubLines: [],
      sbatchLines: ["--job-name=stars", "--partition=mw256", "--ntasks=1", "--output=stars.%j.log", "--open-mode=append", "--no-requeue"],
      requeue: { method: "scontrol", exitCode: 99, maxRequeues: 20 }, warningSignal: null,
    }],
    ["run limit, warning signal, rerunnable, %J/%I, extra", spec({ top: 'array: "1-100%10"\nslots: 4', lsf: '  runlimit: "1:30"\n  output: "o %J.%I"\n  error: e.%J.%I.%x\n  rerunnable: true\n  warning: { signal: SIGURG, before: 5m }' }) + 'slurm:\n  extra: ["--mem 4000", "--comment=a b", "--exclusive"]\n', {
      sbatchLines: [
        "--job-name=stars", "--partition=mw256", "--ntasks=4", '--output="o %A.%a"', "--error=e.%A.%a.%%x",
        "--open-mode=append", "--array=1-100%10", "--time=90", "--signal=B:URG@300", "--requeue",
        "--mem 4000", '--comment="a b"', "--exclusive",
      ],
      warningSignal: "URG", limitMarginSeconds: 300,
    }],
    ["a run limit requeues itself, so the job is requeueable", spec({ lsf: "  runlimit: 1" }), {
      sbatchLines: ["--job-name=stars", "--partition=mw256", "--ntasks=1", "--output=stars.%j.log", "--open-mode=append", "--time=1", "--signal=B:USR2@30", "--requeue"],
    }],
    ["tool none: no warning signal, no requeue", spec({ checkpoint: "  tool: none", lsf: "  runlimit: 1" }), {
      sbatchLines: ["--job-name=stars", "--partition=mw256", "--ntasks=1", "--output=stars.%j.log", "--open-mode=append", "--time=1", "--no-requeue"],
      requeue: { method: "none", exitCode: 99, maxRequeues: 20 },
    }],
  ])("%s", (_, source, want) => expect(model(source)).toMatchObject(want));
});

describe("slurmFileName", () => {
  it.each([
    ["out.%J", false, "out.%j"],
    ["out.%J.%I", true, "out.%A.%a"],
    ["100%.log", false, "100%%.log"],
    ["a%%b", false, "a%%%%b"],
  ])("%s (array %s) → %s", (given, array, want) => expect(slurmFileName(given, array)).toBe(want));
});

describe("checkSbatchOption", () => {
  it.each([
    ["--mem=4000", null],
    ["-A proj", null],
    ["--gres gpu:1", null],
    ["  --exclusive", null],
    ["--array=1-3", { message: "--array is set by crjob", hint: "use the field array instead", index: 0 }],
    ["--chdir=/x", { message: "--chdir is set by crjob", hint: "the job starts in the submit dir and crjob stages from there", index: 0 }],
    ["--mem=1\n", { message: "must be one line without control characters", index: 7 }],
  ])("%j", (given, want) => expect(checkSbatchOption(given)).toEqual(want));
});
