// checkRules at the edges the main table (rules.test.ts) does not reach: boundaries (exactly 1m,
// one minute either side of the interval), every branch of the requeue-path and scratch rules,
// NUL bytes and line breaks, and the #BSUB word splitter. Exact output, file:line:col included.
import { describe, expect, it } from "vitest";
import { checkBsubOption, parseArraySpec } from "../../src/jobspec/rules.js";
import { lines, site, spec } from "./helpers.js";

const OPENLAVA = site("flavour: openlava\nqueues:\n  mw256: { blcr: /b, requeue_exit_values: [99] }\n  test: { blcr: /b }\n");
const IBM = site("queues:\n  mw256: { blcr: /b }\n");
const NOT_REQUEUED = (queue: string) =>
  `job.yaml:8:13 warning lsf.runlimit: the job cannot requeue itself at its run limit: OpenLava has no -Q, and queue "${queue}" has no requeue_exit_values with 99 in the site profile (set lsf.requeue: auto (brequeue from inside the job), or add 99 to the queue's requeue_exit_values if its REQUEUE_EXIT_VALUES has it)`;
const SCRATCH = (dir: string, at = "8:8") =>
  `job.yaml:${at} warning checkpoint.dir: inside the scratch dir ${dir}, which is wiped when the job ends and lost with its node (keep checkpoints under $HOME or a shared project dir)`;
const NOT_BELOW = (limit: string, half = "59m30s") =>
  `job.yaml:6:13 warning checkpoint.interval: not shorter than lsf.runlimit (${limit}): the job checkpoints only before its run limit and when killed (bkill, scancel), so a lost node loses the whole run (right when a checkpoint is expensive; else e.g. interval: ${half})`;

type Case = [string, { given: string; site?: ReturnType<typeof site>; want: string[] }];

describe("checkRules: checkpointing edges", () => {
  const cases: Case[] = [
    ["interval exactly 1m: no warning", { given: spec({ checkpoint: "  interval: 60s" }), want: [] }],
    ["interval 59s: a warning", { given: spec({ checkpoint: "  interval: 59s" }), want: [
      "job.yaml:6:13 warning checkpoint.interval: shorter than 1m: allowed for testing (each checkpoint pauses the app; use minutes to hours for real jobs)",
    ] }],
    ["mtbf 0s", { given: spec({ checkpoint: "  interval: auto\n  mtbf: 0s" }), want: ["job.yaml:7:9 error checkpoint.mtbf: must be longer than 0s"] }],
    ["a short mtbf is no testing-only warning", { given: spec({ checkpoint: "  interval: auto\n  mtbf: 30s" }), want: [] }],
    ["tool none: no length or auto checks, only ignored", { given: spec({ checkpoint: "  tool: none\n  interval: 0s" }), want: [
      'job.yaml:7:3 warning checkpoint.interval: ignored: checkpoint.tool is "none" (only used with a checkpoint.tool other than "none")',
    ] }],
    ["tool none with auto and no mtbf", { given: spec({ checkpoint: "  tool: none\n  interval: auto" }), want: [
      'job.yaml:7:3 warning checkpoint.interval: ignored: checkpoint.tool is "none" (only used with a checkpoint.tool other than "none")',
    ] }],
    ["mtbf beside an interval of the wrong type: only the type error", { given: spec({ checkpoint: "  interval: 5\n  mtbf: 3d" }), want: [
      'job.yaml:6:13 error checkpoint.interval: expected a string, got a number (quote it: "5")',
    ] }],
    ["mtbf without an interval: the interval is missing", { given: spec({ checkpoint: "  mtbf: 3d" }), want: [
      'job.yaml:5:1 error checkpoint: missing required field "interval" (needed unless checkpoint.tool is "none"; e.g. interval: 12h)',
    ] }],
    ["restart with blcr is fine", { given: spec({ top: "mode: restart" }), want: [] }],
    ["fresh with none is fine", { given: spec({ top: "mode: fresh", checkpoint: "  tool: none" }), want: [] }],
    ["no checkpoint section at all", { given: "name: a\nqueue: q\napp: { command: x }\n", want: [
      'job.yaml:1:1 error missing required field "checkpoint.interval" (needed unless checkpoint.tool is "none"; e.g. interval: 12h)',
    ] }],
    ["a checkpoint section that is not a mapping: only the type error", { given: "name: a\nqueue: q\napp: { command: x }\ncheckpoint: [1]\n", want: [
      "job.yaml:4:13 error checkpoint: expected a mapping, got a list",
    ] }],
    ["an unknown tool: no tool rules", { given: spec({ checkpoint: "  tool: criu\n  files: [x]" }), want: [
      'job.yaml:6:9 error checkpoint.tool: must be one of "blcr", "none", "dmtcp", "app", got "criu"',
    ] }],
    ["dmtcp ignores blcr and app fields", { given: spec({ checkpoint: "  tool: dmtcp\n  interval: 1h\n  restore_pid: never\n  signal: USR1" }), want: [
      'job.yaml:8:3 warning checkpoint.restore_pid: ignored: checkpoint.tool is "dmtcp" (only used with checkpoint.tool "blcr")',
      'job.yaml:9:3 warning checkpoint.signal: ignored: checkpoint.tool is "dmtcp" (only used with checkpoint.tool "app")',
    ] }],
  ];
  it.each(cases)("%s", (_, { given, site: s, want }) => expect(lines(given, s ?? null)).toEqual(want));
});

describe("checkRules: run limit edges", () => {
  const cases: Case[] = [
    ['"0:00"', { given: spec({ lsf: '  runlimit: "0:00"' }), want: ["job.yaml:8:13 error lsf.runlimit: must be longer than 0 minutes"] }],
    ["seconds: the hint rounds up to whole minutes", { given: spec({ lsf: "  runlimit: 61s" }), want: [
      'job.yaml:8:13 error lsf.runlimit: must be whole minutes: LSF cannot express seconds, got "61s" (e.g. 2m)',
    ] }],
    ["not a run limit: only the schema's message", { given: spec({ lsf: "  runlimit: soon" }), want: [
      'job.yaml:8:13 error lsf.runlimit: must be a run limit like 90m, 12h, 1d, "1:30" (hours:minutes) or 90 (minutes), got "soon"',
    ] }],
    ["plain minutes, one under a 2h interval", { given: spec({ checkpoint: "  interval: 2h", lsf: "  runlimit: 119" }), want: [NOT_BELOW("119")] }],
    ["plain minutes, one over a 2h interval", { given: spec({ checkpoint: "  interval: 2h", lsf: "  runlimit: 121" }), want: [] }],
    ["a duration one minute over the interval", { given: spec({ checkpoint: "  interval: 2h", lsf: "  runlimit: 2h1m" }), want: [] }],
    ["a fraction of minutes: only the type error", { given: spec({ checkpoint: "  interval: 2h", lsf: "  runlimit: 100.5" }), want: [
      'job.yaml:8:13 error lsf.runlimit: expected a string or a whole number, got a fraction (100.5) (quote it: "100.5")',
    ] }],
    ["warning one minute before the limit", { given: spec({ lsf: "  runlimit: 24h\n  warning: { signal: USR1, before: 23h59m }" }), want: [] }],
    ["a warning that is not a mapping: only the type error", { given: spec({ lsf: "  warning: USR1" }), want: [
      "job.yaml:8:12 error lsf.warning: expected a mapping, got a string",
    ] }],
    ["a warning beside a run limit in seconds: only the run limit's error", { given: spec({ lsf: "  runlimit: 30s\n  warning: { before: 1h }" }), want: [
      'job.yaml:8:13 error lsf.runlimit: must be whole minutes: LSF cannot express seconds, got "30s" (e.g. 1m)',
    ] }],
  ];
  it.each(cases)("%s", (_, { given, site: s, want }) => expect(lines(given, s ?? null)).toEqual(want));
});

describe("checkRules: requeue path", () => {
  const exit = spec({ lsf: "  runlimit: 24h\n  requeue: exit" });
  const cases: Case[] = [
    ["requeue none without a run limit: nothing to say", { given: spec({ lsf: "  requeue: none" }), want: [] }],
    ["requeue none with tool none: nothing to say", { given: spec({ checkpoint: "  tool: none", lsf: "  runlimit: 1h\n  requeue: none" }), want: [] }],
    ["openlava exit, the queue requeues 99", { given: exit, site: OPENLAVA, want: [] }],
    ["openlava exit, the queue has no values", { given: exit.replace("mw256", "test"), site: OPENLAVA, want: [NOT_REQUEUED("test")] }],
    ["openlava exit, no queues in the profile", { given: exit, site: site("flavour: openlava\n"), want: [NOT_REQUEUED("mw256")] }],
    ["openlava exit, an unknown queue: only that error", { given: exit.replace("mw256", "long"), site: OPENLAVA, want: [
      'job.yaml:2:8 error queue: unknown queue "long" in site profile site.yaml (queues: mw256, test)',
    ] }],
    ["openlava exit, a requeue code of the wrong type: only the type error", { given: spec({ lsf: "  runlimit: 24h\n  requeue: exit\n  requeue_exit: x" }), site: OPENLAVA, want: [
      "job.yaml:10:17 error lsf.requeue_exit: expected a whole number, got a string",
    ] }],
    ["ibm exit: -Q always works", { given: exit, site: IBM, want: [] }],
  ];
  it.each(cases)("%s", (_, { given, site: s, want }) => expect(lines(given, s ?? null)).toEqual(want));
});

describe("checkRules: values that must be one line, without NUL", () => {
  const cases: Case[] = [
    ["NUL bytes anywhere, in lists and mappings", { given: spec({ app: '  args: ["a\\0b"]\n  env: { X: "\\0" }' }), want: [
      "job.yaml:5:10 error app.args[0]: contains a NUL byte, which no argument, path or variable can hold",
      "job.yaml:6:13 error app.env.X: contains a NUL byte, which no argument, path or variable can hold",
    ] }],
    ["a line break in lsf.output", { given: spec({ lsf: '  output: "a\\nb"' }), want: [
      "job.yaml:8:11 error lsf.output: must be one line (it goes on a #BSUB line or in a comment)",
    ] }],
    ["a carriage return in checkpoint.dir", { given: spec({ checkpoint: '  interval: 1h\n  dir: "/a\\rb"' }), want: [
      "job.yaml:7:8 error checkpoint.dir: must be one line (it goes on a #BSUB line or in a comment)",
    ] }],
    ["both quote kinds in lsf.resources", { given: spec({ lsf: "  resources: a\"b'c" }), want: [
      "job.yaml:8:14 error lsf.resources: cannot hold both ' and \" (LSF's #BSUB parser has no escapes)",
    ] }],
    ["both quote kinds in checkpoint.dir: not on a #BSUB line", { given: spec({ checkpoint: "  interval: 1h\n  dir: /a\"b'c" }), want: [] }],
    ["one quote kind in lsf.resources", { given: spec({ lsf: "  resources: a\"b" }), want: [] }],
    ["a line break in lsf.error; the other quote kind alone", { given: spec({ lsf: '  error: "a\\nb"\n  resources: a\'b' }), want: [
      "job.yaml:8:10 error lsf.error: must be one line (it goes on a #BSUB line or in a comment)",
    ] }],
  ];
  it.each(cases)("%s", (_, { given, site: s, want }) => expect(lines(given, s ?? null)).toEqual(want));
});

describe("checkRules: checkpoint dir and scratch", () => {
  const cases: Case[] = [
    ["scratch / holds everything", { given: spec({ top: "scratch: /", checkpoint: "  interval: 1h\n  dir: /home/x" }), want: [SCRATCH("/")] }],
    ["the dir is the scratch dir", { given: spec({ checkpoint: "  interval: 1h\n  dir: /sanscratch" }), want: [SCRATCH("/sanscratch", "7:8")] }],
    ["under the default scratch", { given: spec({ checkpoint: "  interval: 1h\n  dir: /sanscratch/x" }), want: [SCRATCH("/sanscratch", "7:8")] }],
    ["a home path is not compared with a scratch of /", { given: spec({ top: "scratch: /", checkpoint: "  interval: 1h\n  dir: $HOME/ck" }), want: [] }],
    ["a name that starts like the scratch dir is beside it", { given: spec({ top: "scratch: /scratch", checkpoint: "  interval: 1h\n  dir: /scratch2" }), want: [] }],
    ["${HOME} under ~", { given: spec({ top: 'scratch: "~"', checkpoint: "  interval: 1h\n  dir: ${HOME}/x" }), want: [SCRATCH("~")] }],
    ["~ under $HOME/", { given: spec({ top: "scratch: $HOME/", checkpoint: '  interval: 1h\n  dir: "~"' }), want: [SCRATCH("$HOME/")] }],
    ["~/ under ${HOME}", { given: spec({ top: "scratch: ${HOME}", checkpoint: '  interval: 1h\n  dir: "~/"' }), want: [SCRATCH("${HOME}")] }],
    ["~other is another user's home", { given: spec({ top: 'scratch: "~"', checkpoint: "  interval: 1h\n  dir: ~other/x" }), want: [] }],
    ["doubled and trailing slashes compare equal", { given: spec({ top: "scratch: $SCRATCH/", checkpoint: "  interval: 1h\n  dir: $SCRATCH//ck/" }), want: [SCRATCH("$SCRATCH/")] }],
    ["~ and ${HOME} expand only at the start", { given: spec({ top: "scratch: /s$HOME", checkpoint: "  interval: 1h\n  dir: /s~/ck" }), want: [] }],
    ["${HOME} in the middle stays text", { given: spec({ top: "scratch: /s$HOME", checkpoint: "  interval: 1h\n  dir: /s${HOME}/ck" }), want: [] }],
    ["a relative dir: only the schema's message", { given: spec({ checkpoint: "  interval: 1h\n  dir: x/y" }), want: [
      'job.yaml:7:8 error checkpoint.dir: must be an absolute path, or one starting with "~" or "$HOME", got "x/y"',
    ] }],
  ];
  it.each(cases)("%s", (_, { given, site: s, want }) => expect(lines(given, s ?? null)).toEqual(want));
});

describe("checkRules: paths in the work dir, arrays, site queues", () => {
  const cases: Case[] = [
    ["every relative-path field", {
      given: spec({ app: "  output: a/../b", top: "stage: { in: ['', x/..], out: [~x, 'a..b'] }", checkpoint: "  tool: app\n  interval: 1h\n  files: [/abs, ok]" }),
      want: [
        "job.yaml:3:15 error stage.in[0]: must not be empty",
        'job.yaml:3:19 error stage.in[1]: must be a path relative to the submit dir without "..", got "x/.."',
        'job.yaml:3:32 error stage.out[0]: must be a path relative to the work dir without "..", got "~x"',
        'job.yaml:6:11 error app.output: must be a file in the work dir: a relative path without "..", got "a/../b"',
        'job.yaml:10:11 error checkpoint.files[0]: must be a path relative to the work dir without "..", got "/abs"',
      ],
    }],
    ["an array's error file without %I", { given: spec({ top: "array: 1-3", lsf: "  output: o.%I\n  error: e.%J" }), want: [
      'job.yaml:10:10 warning lsf.error: every array element writes to this same file (add %I, the array index: e.g. "%J.%I.out")',
    ] }],
    ["an array that is not a string: only the type error", { given: spec({ top: "array: 5" }), want: [
      'job.yaml:3:8 error array: expected a string, got a number (quote it: "5")',
    ] }],
    ["a bad limit, pointed at inside the quotes", { given: spec({ top: "array: '1-3,5%x'" }), want: [
      'job.yaml:3:14 error array: "%x" is not a limit (e.g. "1-100%10": at most 10 elements at once)',
    ] }],
    ["a bad second entry", { given: spec({ top: "array: '1-3,5-x'" }), want: [
      'job.yaml:3:13 error array: "5-x" is not an index or a range (e.g. "1-100", "1-100%10" or "1,3,5-9")',
    ] }],
    ["double quotes", { given: spec({ top: 'array: "1-3,0"' }), want: ["job.yaml:3:13 error array: array indices start at 1, got 0"] }],
    ["an unknown queue close to a known one", { given: spec().replace("mw256", "mw265"), site: IBM, want: [
      'job.yaml:2:8 error queue: unknown queue "mw265" in site profile site.yaml (did you mean "mw256"?)',
    ] }],
    ["a profile without queues takes any queue", { given: spec().replace("mw256", "whatever"), site: site("flavour: ibm\n"), want: [] }],
    ["lsf.extra on OpenLava: -Q", { given: spec({ lsf: '  extra: ["-Q 99"]' }), site: OPENLAVA, want: [
      "job.yaml:8:12 error lsf.extra[0]: OpenLava rejects -Q as an illegal option (crjob requeues through the queue's REQUEUE_EXIT_VALUES or brequeue instead; see lsf.requeue)",
    ] }],
    ["lsf.extra that is not a list: only the type error", { given: spec({ lsf: '  extra: "-M 1"' }), want: ["job.yaml:8:10 error lsf.extra: expected a list, got a string"] }],
    ["lsf.extra entries that are empty or not text: only the schema's errors", { given: spec({ lsf: '  extra: ["", 5, "-M 1"]' }), want: [
      "job.yaml:8:11 error lsf.extra[0]: must not be empty",
      'job.yaml:8:15 error lsf.extra[1]: expected a string, got a number (quote it: "5")',
    ] }],
    ["a trailing backslash stays in the option", { given: spec({ lsf: '  extra: ["-M\\\\"]' }), want: [
      'job.yaml:8:12 error lsf.extra[0]: "-M\\\\" is not a bsub option (one option with its value, e.g. "-M 4000")',
    ] }],
  ];
  it.each(cases)("%s", (_, { given, site: s, want }) => expect(lines(given, s ?? null)).toEqual(want));
});

describe("checkBsubOption: words, quotes and escapes", () => {
  const notAnOption = (text: string, index = 0) => ({ message: `${JSON.stringify(text)} is not a bsub option`, hint: 'one option with its value, e.g. "-M 4000"', index });
  const cases: [string, "ibm" | "openlava", ReturnType<typeof checkBsubOption>][] = [
    ["-P a\\ b", "ibm", null],
    ["-M '#x'", "ibm", null],
    ["-M a#b", "ibm", null],
    ["-x_y 1", "ibm", null],
    ["-G x", "ibm", null],
    ['-P "a b', "ibm", { message: "unclosed double quote", index: 3 }],
    ["-P 'a b", "ibm", { message: "unclosed single quote", index: 3 }],
    ["-P a\tb", "ibm", { message: "must be one line without control characters", index: 4 }],
    ["-P a\u007f", "ibm", { message: "must be one line without control characters", index: 4 }],
    ['"-M" 1', "ibm", notAnOption('"-M" 1')],
    ["", "ibm", notAnOption("")],
    ["   ", "ibm", notAnOption("   ")],
    ["-1 x", "ibm", notAnOption("-1")],
    ["-M- 1", "ibm", notAnOption("-M-")],
    ["  -x  1", "ibm", null],
    ["  x", "ibm", notAnOption("  x", 2)],
    ["-M1", "ibm", { message: "write the option and its value as two words", hint: '"-M 1"', index: 0 }],
    ["-a1b", "ibm", { message: "write the option and its value as two words", hint: '"-a 1b"', index: 0 }],
    ["-M 1 '-P'", "ibm", { message: "-M takes one value, got 2", hint: 'quote a value with spaces: -M "1 -P"', index: 5 }],
    ["-M 1 2 3", "ibm", { message: "-M takes one value, got 3", hint: 'quote a value with spaces: -M "1 2 3"', index: 5 }],
    ["-M 1 -", "ibm", { message: "-M takes one value, got 2", hint: 'quote a value with spaces: -M "1 -"', index: 5 }],
    ["-M #x", "ibm", { message: 'a word starting with "#" ends a #BSUB line: the rest would be lost', hint: "quote it", index: 3 }],
    ["  -M  1  -P  x ", "ibm", { message: "holds 2 options: -M, -P", hint: 'one option per entry: "-M  1", "-P  x"', index: 9 }],
    ["-q x", "openlava", { message: "-q is set by crjob", hint: "use the field queue instead", index: 0 }],
    ["-eo x", "openlava", { message: 'OpenLava mis-parses -eo as -e o: errors to a file named "o"', hint: "use lsf.error", index: 0 }],
    ["-cwd /x", "openlava", { message: "OpenLava mis-parses -cwd as -c wd, a CPU limit, and rejects the job", index: 0 }],
  ];
  it.each(cases)("%j on %s", (entry, flavour, want) => expect(checkBsubOption(entry, flavour)).toEqual(want));
});

describe("checkRules: values of the wrong type never reach a rule", () => {
  const cases: Case[] = [
    ["tool none: an interval over the run limit is only ignored", { given: spec({ checkpoint: "  tool: none\n  interval: 2h", lsf: "  runlimit: 1h" }), want: [
      'job.yaml:7:3 warning checkpoint.interval: ignored: checkpoint.tool is "none" (only used with a checkpoint.tool other than "none")',
    ] }],
    ["a queue that is a number, with a site profile", { given: spec().replace("queue: mw256", "queue: 5"), site: IBM, want: [
      'job.yaml:2:8 error queue: expected a string, got a number (quote it: "5")',
    ] }],
    ["a relative scratch and dir: no scratch warning", { given: spec({ top: "scratch: rel", checkpoint: "  interval: 1h\n  dir: rel/x" }), want: [
      'job.yaml:3:10 error scratch: must be an absolute path, or one starting with "~" or "$HOME", got "rel"',
      'job.yaml:8:8 error checkpoint.dir: must be an absolute path, or one starting with "~" or "$HOME", got "rel/x"',
    ] }],
    ["a scratch that is a number: the site's scratch counts", { given: spec({ top: "scratch: 5", checkpoint: "  interval: 1h\n  dir: /s/x" }), site: site("scratch: /s\n"), want: [
      'job.yaml:3:10 error scratch: expected a string, got a number (quote it: "5")',
      SCRATCH("/s"),
    ] }],
    ["a queue that is a number, on OpenLava without queues", { given: spec({ lsf: "  runlimit: 24h\n  requeue: exit" }).replace("queue: mw256", "queue: 5"), site: site("flavour: openlava\n"), want: [
      'job.yaml:2:8 error queue: expected a string, got a number (quote it: "5")',
    ] }],
    ["a queue that is a number, with a queue of that name in the profile", { given: spec().replace("queue: mw256", "queue: 5"), site: site("queues:\n  '5': {}\n  q: { blcr: /b }\n"), want: [
      'job.yaml:2:8 error queue: expected a string, got a number (quote it: "5")',
    ] }],
    ["output files without an array", { given: spec({ lsf: "  output: out.%J\n  error: err.%J" }), want: [] }],
    ["a NUL byte in a top-level field", { given: spec().replace("name: stars", 'name: "st\\0ars"'), want: [
      'job.yaml:1:7 error name: must be a name of letters, digits, "_", "." and "-" that starts with a letter or digit, got "st\\u0000ars"',
      "job.yaml:1:7 error name: contains a NUL byte, which no argument, path or variable can hold",
    ] }],
  ];
  it.each(cases)("%s", (_, { given, site: s, want }) => expect(lines(given, s ?? null)).toEqual(want));
});

describe("checkBsubOption and parseArraySpec: more words", () => {
  const options: [string, ReturnType<typeof checkBsubOption>][] = [
    ['-P "a b" c', { message: "-P takes one value, got 2", hint: 'quote a value with spaces: -P "a b c"', index: 9 }],
    ["-M 'a#b' '#c'", { message: "-M takes one value, got 2", hint: 'quote a value with spaces: -M "a#b #c"', index: 9 }],
    ['-P "#x"', null],
    ["-M x-y", null],
    ["-\\M 1", null], // an escaped letter is the letter
    ["-M a\\b c", { message: "-M takes one value, got 2", hint: 'quote a value with spaces: -M "ab c"', index: 7 }],
    ["-1-a5", { message: '"-1-a5" is not a bsub option', hint: 'one option with its value, e.g. "-M 4000"', index: 0 }],
    ["-ab5", { message: "write the option and its value as two words", hint: '"-ab 5"', index: 0 }],
  ];
  it.each(options)("%j", (entry, want) => expect(checkBsubOption(entry, "ibm")).toEqual(want));

  const notARange = (item: string) => ({ error: `${JSON.stringify(item)} is not an index or a range`, hint: 'e.g. "1-100", "1-100%10" or "1,3,5-9"', index: 0 });
  const notALimit = (limit: string) => ({ error: `"%${limit}" is not a limit`, hint: 'e.g. "1-100%10": at most 10 elements at once', index: 3 });
  const arrays: [string, unknown][] = [
    ["x1", notARange("x1")],
    ["1x", notARange("1x")],
    ["1-99:10", { ranges: [[1, 99, 10]], limit: null }],
    ["10-20,30", { ranges: [[10, 20, 1], [30, 30, 1]], limit: null }],
    ["1-9%12", { ranges: [[1, 9, 1]], limit: 12 }],
    ["1-0", { error: "array indices start at 1, got 0", index: 0 }],
    ["1-9%a1", notALimit("a1")],
    ["1-9%1a", notALimit("1a")],
  ];
  it.each(arrays)("%j", (text, want) => expect(parseArraySpec(text)).toEqual(want));
});
