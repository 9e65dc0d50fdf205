import { describe, expect, it } from "vitest";
import { checkBsubOption, parseArraySpec } from "../../src/jobspec/rules.js";
import { lines, site, spec } from "./helpers.js";

const IBM = site(`
queues:
  mw256: { blcr: /share/apps/blcr/0.8.5/mw256 }
  test: { blcr: /share/apps/blcr/0.8.5/test }
  hp12: {}
`);
const OPENLAVA = site(`
flavour: openlava
scratch: /scratch
queues:
  mw256: { blcr: /b/mw256, requeue_exit_values: [99, 98] }
  test: { blcr: /b/test }
`);
const NO_BLCR = site("queues:\n  hp12: {}\n");

describe("checkRules", () => {
  type Case = [string, { given: string; site?: typeof IBM; want: string[] }];
  const cases: Case[] = [
    // checkpointing
    ["interval is required with blcr", { given: spec({ checkpoint: "  keep: 2" }), want: [
      'job.yaml:5:1 error checkpoint: missing required field "interval" (needed unless checkpoint.tool is "none"; e.g. interval: 12h)',
    ] }],
    ["interval is not needed with none", { given: spec({ checkpoint: "  tool: none" }), want: [] }],
    ["fields that tool none ignores", { given: spec({ checkpoint: "  tool: none\n  interval: 1h\n  keep: 3" }), want: [
      'job.yaml:7:3 warning checkpoint.interval: ignored: checkpoint.tool is "none" (only used with a checkpoint.tool other than "none")',
      'job.yaml:8:3 warning checkpoint.keep: ignored: checkpoint.tool is "none" (only used with a checkpoint.tool other than "none")',
    ] }],
    ["app-tool fields with blcr", { given: spec({ app: "  restart_args: [-cpi]", checkpoint: "  interval: 1h\n  files: [state.cpt]" }), want: [
      'job.yaml:5:3 warning app.restart_args: ignored: checkpoint.tool is "blcr" (only used with checkpoint.tool "app")',
      'job.yaml:8:3 warning checkpoint.files: ignored: checkpoint.tool is "blcr" (only used with checkpoint.tool "app")',
    ] }],
    ["tool app needs files", { given: spec({ checkpoint: "  tool: app\n  interval: 1h" }), want: [
      'job.yaml:5:1 error checkpoint: missing required field "files" (checkpoint.tool "app" saves the files the app writes; e.g. files: [state.cpt])',
    ] }],
    ["tool app with files", { given: spec({ checkpoint: "  tool: app\n  interval: 1h\n  files: [state.cpt]\n  signal: USR1" }), want: [] }],
    ["interval below 1m", { given: spec({ checkpoint: "  interval: 20s" }), want: [
      "job.yaml:6:13 warning checkpoint.interval: shorter than 1m: allowed for testing (each checkpoint pauses the app; use minutes to hours for real jobs)",
    ] }],
    ["interval 0", { given: spec({ checkpoint: "  interval: 0m" }), want: ["job.yaml:6:13 error checkpoint.interval: must be longer than 0s"] }],
    ["interval auto without mtbf", { given: spec({ checkpoint: "  interval: auto" }), want: [
      'job.yaml:6:13 error checkpoint.interval: "auto" needs a mean time between failures (set checkpoint.mtbf, e.g. mtbf: 3d, or mtbf in the site profile)',
    ] }],
    ["interval auto with mtbf", { given: spec({ checkpoint: "  interval: auto\n  mtbf: 3d" }), want: [] }],
    ["interval auto with the site's mtbf", { given: spec({ checkpoint: "  interval: auto" }), site: site("mtbf: 3d\n"), want: [] }],
    ["mtbf without auto", { given: spec({ checkpoint: "  interval: 1h\n  mtbf: 3d" }), want: [
      "job.yaml:7:3 warning checkpoint.mtbf: ignored: only used with interval: auto",
    ] }],
    ["restart needs checkpoints", { given: spec({ top: "mode: restart", checkpoint: "  tool: none" }), want: [
      'job.yaml:3:7 error mode: "restart" needs checkpoints, but checkpoint.tool is "none"',
    ] }],
    // run limit
    ["runlimit forms", { given: spec({ lsf: '  runlimit: "13:30"' }), want: [] }],
    ["runlimit in minutes", { given: spec({ lsf: "  runlimit: 1440" }), want: [] }],
    ["runlimit with seconds", { given: spec({ lsf: "  runlimit: 12h30s" }), want: [
      'job.yaml:8:13 error lsf.runlimit: must be whole minutes: LSF cannot express seconds, got "12h30s" (e.g. 12h1m)',
    ] }],
    ["runlimit of whole minutes in seconds", { given: spec({ lsf: "  runlimit: 86400s" }), want: [] }],
    ["runlimit 0m", { given: spec({ lsf: "  runlimit: 0m" }), want: ["job.yaml:8:13 error lsf.runlimit: must be longer than 0 minutes"] }],
    ["interval equal to the run limit: checkpoint only before the limit", { given: spec({ lsf: "  runlimit: 720" }), want: [
      "job.yaml:6:13 warning checkpoint.interval: not shorter than lsf.runlimit (720): the job checkpoints only before its run limit and when killed (bkill, scancel), so a lost node loses the whole run (right when a checkpoint is expensive; else e.g. interval: 6h)",
    ] }],
    ["interval beyond the run limit, OpenLava", { given: spec({ checkpoint: "  interval: 2d", lsf: "  runlimit: 24h" }), site: OPENLAVA, want: [
      'job.yaml:6:13 warning checkpoint.interval: not shorter than lsf.runlimit ("24h"): the job checkpoints only before its run limit and when killed (bkill, scancel), so a lost node loses the whole run (right when a checkpoint is expensive; else e.g. interval: 12h)',
    ] }],
    ["interval just below the run limit", { given: spec({ checkpoint: "  interval: 11h59m", lsf: "  runlimit: 12h" }), want: [] }],
    ["interval vs runlimit is moot with none", { given: spec({ checkpoint: "  tool: none", lsf: "  runlimit: 1h" }), want: [] }],
    ["warning before the limit", { given: spec({ lsf: "  runlimit: 24h\n  warning: { signal: USR1, before: 24h }" }), want: [
      'job.yaml:9:36 error lsf.warning.before: must be shorter than lsf.runlimit ("24h")',
    ] }],
    ["warning without a run limit", { given: spec({ lsf: "  warning: { signal: USR1, before: 10m }" }), want: [
      "job.yaml:8:3 warning lsf.warning: ignored without lsf.runlimit",
    ] }],
    // lsf.extra
    ["extra: fine options", { given: spec({ lsf: '  extra: ["-M 4000", "-P astro", "-B", "-E \'test -d /x\'", "-u me@x.org"]' }), want: [] }],
    ["extra: -Q on IBM is set by crjob", { given: spec({ lsf: '  extra: ["-Q 99"]' }), want: [
      "job.yaml:8:12 error lsf.extra[0]: -Q is set by crjob (use the fields lsf.requeue and lsf.requeue_exit instead)",
    ] }],
    ["extra: IBM has -G", { given: spec({ lsf: '  extra: ["-G astro", "-cwd /tmp"]' }), site: IBM, want: [] }],
    ["extra: OpenLava lacks -G", { given: spec({ lsf: '  extra: ["-G astro", "-oo x"]' }), site: OPENLAVA, want: [
      "job.yaml:8:12 error lsf.extra[0]: OpenLava rejects -G as an illegal option",
      'job.yaml:8:24 error lsf.extra[1]: OpenLava mis-parses -oo as -o o: output to a file named "o" (use lsf.output)',
    ] }],
    ["extra: a line break", { given: spec({ lsf: '  extra: ["-P a\\n#BSUB -q x"]' }), want: [
      "job.yaml:8:11 error lsf.extra[0]: must be one line without control characters",
    ] }],
    ["extra: unclosed quote", { given: spec({ lsf: "  extra: [\"-P 'a b\"]" }), want: [
      "job.yaml:8:15 error lsf.extra[0]: unclosed single quote",
    ] }],
    ["extra: a comment word", { given: spec({ lsf: '  extra: ["-P #x"]' }), want: [
      'job.yaml:8:15 error lsf.extra[0]: a word starting with "#" ends a #BSUB line: the rest would be lost (quote it)',
    ] }],
    ["extra: three options", { given: spec({ lsf: '  extra: ["-M 1 -P a -B"]' }), want: [
      'job.yaml:8:17 error lsf.extra[0]: holds 3 options: -M, -P, -B (one option per entry: "-M 1", "-P a", "-B")',
    ] }],
    // site profile
    ["no site: any queue", { given: spec().replace("mw256", "whatever"), want: [] }],
    ["unknown queue, nothing close", { given: spec().replace("mw256", "long"), site: IBM, want: [
      'job.yaml:2:8 error queue: unknown queue "long" in site profile site.yaml (queues: mw256, test, hp12)',
    ] }],
    ["blcr on a queue without it, tool set", { given: spec({ checkpoint: "  tool: blcr\n  interval: 1h" }).replace("mw256", "hp12"), site: IBM, want: [
      'job.yaml:6:9 error checkpoint.tool: queue "hp12" has no BLCR in site profile site.yaml (queues with BLCR: mw256, test)',
    ] }],
    ["no queue has BLCR", { given: spec().replace("mw256", "hp12"), site: NO_BLCR, want: [
      'job.yaml:2:8 error queue: queue "hp12" has no BLCR in site profile site.yaml, and checkpoint.tool defaults to blcr (no queue there has BLCR; use checkpoint.tool "dmtcp", "app" or "none")',
    ] }],
    ["tool none on a queue without BLCR", { given: spec({ checkpoint: "  tool: none" }).replace("mw256", "hp12"), site: IBM, want: [] }],
    ["openlava: queue requeues on 99", { given: spec({ lsf: "  runlimit: 24h" }), site: OPENLAVA, want: [] }],
    ["openlava: requeue by exit, but the queue lacks the code", { given: spec({ lsf: "  runlimit: 24h\n  requeue_exit: 97\n  requeue: exit" }), site: OPENLAVA, want: [
      `job.yaml:8:13 warning lsf.runlimit: the job cannot requeue itself at its run limit: OpenLava has no -Q, and queue "mw256" has no requeue_exit_values with 97 in the site profile (set lsf.requeue: auto (brequeue from inside the job), or add 97 to the queue's requeue_exit_values if its REQUEUE_EXIT_VALUES has it)`,
    ] }],
    ["openlava: auto requeues with brequeue", { given: spec({ lsf: "  runlimit: 24h\n  requeue_exit: 97" }), site: OPENLAVA, want: [] }],
    ["requeue none: no path at the run limit", { given: spec({ lsf: "  runlimit: 24h\n  requeue: none" }), site: IBM, want: [
      "job.yaml:9:12 warning lsf.requeue: no requeue path: at its run limit the job takes a final checkpoint and stops (EXIT); resubmit to continue (lsf.requeue: auto requeues it by itself)",
    ] }],
    ["openlava: brequeue needs no exit values", { given: spec({ lsf: "  runlimit: 24h\n  requeue: brequeue" }).replace("mw256", "test"), site: OPENLAVA, want: [] }],
    ["ibm: -Q always works", { given: spec({ lsf: "  runlimit: 24h" }).replace("mw256", "test"), site: IBM, want: [] }],
    // paths
    ["checkpoint dir on the site's scratch", { given: spec({ checkpoint: "  interval: 1h\n  dir: /scratch/me/" }), site: OPENLAVA, want: [
      "job.yaml:7:8 warning checkpoint.dir: inside the scratch dir /scratch, which is wiped when the job ends and lost with its node (keep checkpoints under $HOME or a shared project dir)",
    ] }],
    ["checkpoint dir beside scratch", { given: spec({ checkpoint: "  interval: 1h\n  dir: /scratch2/me" }), site: OPENLAVA, want: [] }],
    ["checkpoint dir on the spec's scratch", { given: spec({ top: "scratch: ~/tmp", checkpoint: "  interval: 1h\n  dir: $HOME/tmp/ck" }), want: [
      "job.yaml:8:8 warning checkpoint.dir: inside the scratch dir ~/tmp, which is wiped when the job ends and lost with its node (keep checkpoints under $HOME or a shared project dir)",
    ] }],
    ["relative paths are fine", { given: spec({ app: "  output: logs/out.txt", top: "stage: { in: [a, ./b, c/], out: ['*.dat'] }" }), want: [] }],
    ["output under ~", { given: spec({ app: "  output: ~/out" }), want: [
      'job.yaml:5:11 error app.output: must be a file in the work dir: a relative path without "..", got "~/out"',
    ] }],
    // arrays
    ["array fine", { given: spec({ top: 'array: "1-100:2,200%10"', lsf: '  output: "o.%J.%I"' }), want: [] }],
    ["array output without %I", { given: spec({ top: "array: 1-10", lsf: "  output: out.%J" }), want: [
      'job.yaml:9:11 warning lsf.output: every array element writes to this same file (add %I, the array index: e.g. "%J.%I.out")',
    ] }],
    ["array range backwards, plain scalar", { given: spec({ top: "array: 1,9-3" }), want: [
      "job.yaml:3:10 error array: range 9-3 starts after it ends (write 3-9)",
    ] }],
    ["array index 0", { given: spec({ top: "array: '1-5,0'" }), want: ["job.yaml:3:13 error array: array indices start at 1, got 0"] }],
  ];
  it.each(cases)("%s", (_, { given, site: s, want }) => expect(lines(given, s ?? null)).toEqual(want));
});

describe("parseArraySpec", () => {
  const cases: [string, unknown][] = [
    ["1-100", { ranges: [[1, 100, 1]], limit: null }],
    ["1-100%10", { ranges: [[1, 100, 1]], limit: 10 }],
    ["1,3,5-9", { ranges: [[1, 1, 1], [3, 3, 1], [5, 9, 1]], limit: null }],
    ["1-99:2", { ranges: [[1, 99, 2]], limit: null }],
    ["7", { ranges: [[7, 7, 1]], limit: null }],
    ["", { error: "empty entry in the index list", hint: 'e.g. "1-100" or "1,3,5-9"', index: 0 }],
    ["1,,3", { error: "empty entry in the index list", hint: 'e.g. "1-100" or "1,3,5-9"', index: 2 }],
    ["1-x", { error: '"1-x" is not an index or a range', hint: 'e.g. "1-100", "1-100%10" or "1,3,5-9"', index: 0 }],
    ["1-10 ", { error: '"1-10 " is not an index or a range', hint: 'e.g. "1-100", "1-100%10" or "1,3,5-9"', index: 0 }],
    ["0", { error: "array indices start at 1, got 0", index: 0 }],
    ["5-1", { error: "range 5-1 starts after it ends", hint: "write 1-5", index: 0 }],
    ["1-9:0", { error: "range 1-9:0 has step 0", hint: 'the step after ":" is at least 1', index: 0 }],
    ["1-9%0", { error: "%0 would never run an element", hint: "use %1 or more", index: 3 }],
    ["1-9%a", { error: '"%a" is not a limit', hint: 'e.g. "1-100%10": at most 10 elements at once', index: 3 }],
    ["1-9%2%3", { error: '"%2%3" is not a limit', hint: 'e.g. "1-100%10": at most 10 elements at once', index: 3 }],
  ];
  it.each(cases)("%j", (text, want) => expect(parseArraySpec(text)).toEqual(want));
});

describe("checkBsubOption", () => {
  const cases: [string, "ibm" | "openlava", string | null][] = [
    ["-M 4000", "ibm", null],
    ["-P proj", "openlava", null],
    ["-B", "ibm", null],
    ['-E "test -d /data"', "ibm", null],
    ["-R 'select[mem>1]'", "ibm", "-R is set by crjob"],
    ["-J x", "ibm", "-J is set by crjob"],
    ["-wa USR1", "ibm", "-wa is set by crjob"],
    ["-wa USR1", "openlava", 'OpenLava mis-parses -wa as -w a, a dependency on a job named "a": the job would never run'],
    ["-outdir /x", "openlava", 'OpenLava mis-parses -outdir as -o utdir: output to a file named "utdir"'],
    ["-outdir /x", "ibm", null],
    ["-M 4000 -n 2", "ibm", "holds 2 options: -M, -n"],
    ["-M4000", "ibm", "write the option and its value as two words"],
    ["--mem 4000", "ibm", '"--mem" is not a bsub option'],
    ["M 4000", "ibm", '"M 4000" is not a bsub option'],
    ["'-M' 4000", "ibm", "\"'-M' 4000\" is not a bsub option"],
  ];
  it.each(cases)("%s on %s", (entry, flavour, want) => expect(checkBsubOption(entry, flavour)?.message ?? null).toBe(want));
});
