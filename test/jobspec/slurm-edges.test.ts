// The Slurm flavour at its edges: every option crjob sets itself, how an entry's option and value
// are told apart, where a problem is pointed at (lead spaces, non-ASCII spaces), the quoting of
// #SBATCH values, and the Slurm rules with values the schema refuses (they must not crash).
import { describe, expect, it } from "vitest";
import { compileJob } from "../../src/index.js";
import { checkSbatchOption, sbatchWord, SLURM_CONTROLLED } from "../../src/jobspec/slurm.js";
import { lines, SLURM_SITE as SLURM, spec } from "./helpers.js";


describe("checkSbatchOption: options crjob sets", () => {
  const want: [string, string][] = [
    ["--job-name", "use the field name instead"],
    ["-J", "use the field name instead"],
    ["--partition", "use the field queue (the partition) instead"],
    ["-p", "use the field queue (the partition) instead"],
    ["--ntasks", "use the field slots instead"],
    ["-n", "use the field slots instead"],
    ["--output", "use the field lsf.output instead"],
    ["-o", "use the field lsf.output instead"],
    ["--error", "use the field lsf.error instead"],
    ["-e", "use the field lsf.error instead"],
    ["--time", "use the field lsf.runlimit instead"],
    ["-t", "use the field lsf.runlimit instead"],
    ["--array", "use the field array instead"],
    ["-a", "use the field array instead"],
    ["--open-mode", "crjob appends (a requeued job keeps its first run's lines)"],
    ["--signal", "use the field lsf.warning instead"],
    ["--requeue", "use the field lsf.rerunnable instead"],
    ["--no-requeue", "use the field lsf.rerunnable instead"],
    ["--chdir", "the job starts in the submit dir and crjob stages from there"],
    ["-D", "the job starts in the submit dir and crjob stages from there"],
    ["--parsable", "crjob submit adds it"],
    ["--wrap", "the script is the job"],
  ];
  it("lists exactly these", () => expect(Object.keys(SLURM_CONTROLLED)).toEqual(want.map(([o]) => o)));
  it.each(want)("%s", (option, hint) => {
    expect(checkSbatchOption(`${option}=x`)).toEqual({ message: `${option} is set by crjob`, hint, index: 0 });
  });
});

describe("checkSbatchOption: entries", () => {
  const notAnOption = (entry: string, index: number) => ({
    message: `${JSON.stringify(entry)} is not an sbatch option`,
    hint: 'one option with its value, e.g. "--mem=4000" or "-A myproject"',
    index,
  });
  const twoOptions = (index: number) => ({ message: "holds more than one option", hint: "one option per entry", index });
  it.each<[string, unknown]>([
    ["x-A proj", notAnOption("x-A proj", 0)],
    ["--mem!", notAnOption("--mem!", 0)],
    // After "=" only a " -" starts another option (a negative value is a value); after a space
    // a value that starts with "-" is an option.
    ["--nice=-5", null],
    ["--comment=a-b", null],
    ["-A a-b", null],
    ["--mem -x", twoOptions(6)],
    ["--comment=a -b", twoOptions(12)],
    ["-A a -x", twoOptions(5)],
    ["-A  -x", twoOptions(4)],
    // Pointed at the second option's dash, searched after the first option, not before.
    [" -A -x", twoOptions(4)],
    // A non-ASCII space before the dash: no " -" to point at, so the entry's start.
    [" --mem=1\u00a0-x", twoOptions(1)],
    ["  --time=5", { message: "--time is set by crjob", hint: "use the field lsf.runlimit instead", index: 2 }],
    [" --comment=a\"b'c", { message: "cannot hold both ' and \" (a #SBATCH line takes one quoting style)", index: 10 }],
    ["--comment=it's", null],
    // getopt reads "-A=proj" as the account "=proj" (Slurm 22.05: "#SBATCH -J=abc" names the job "=abc").
    ["-A=proj", { message: '-A= gives -A a value starting with "="', hint: '"-A proj"', index: 2 }],
    [" -A=", { message: '-A= gives -A a value starting with "="', hint: '"-A "', index: 3 }],
    ['--comment="a b"', null],
  ])("%j", (entry, want) => expect(checkSbatchOption(entry)).toEqual(want));
});

describe("sbatchWord", () => {
  it.each([
    ["plain", "plain"],
    ["a b", '"a b"'],
    ['say "hi"', `'say "hi"'`],
  ])("%j → %s", (value, want) => expect(sbatchWord(value)).toBe(want));
  it("refuses a line break", () => {
    expect(() => sbatchWord("a\nb")).toThrow(new Error('#SBATCH value with a line break: "a\\nb"'));
  });
});

describe("checkRules on a Slurm site, at the edges", () => {
  it.each<[string, string, string[]]>([
    ["a warning of exactly 65535s fits --signal", spec({ checkpoint: "  interval: 10m", lsf: "  runlimit: 3d\n  warning: { before: 18h12m15s }" }), []],
    ["one second more does not", spec({ checkpoint: "  interval: 10m", lsf: "  runlimit: 3d\n  warning: { before: 18h12m16s }" }), [
      "job.yaml:9:22 error lsf.warning.before: too long for Slurm's --signal (at most 65535s, about 18h)",
    ]],
    ["a warning without before", spec({ checkpoint: "  interval: 10m", lsf: "  runlimit: 1h\n  warning: { signal: URG }" }), []],
    ["a number as before", spec({ checkpoint: "  interval: 10m", lsf: "  runlimit: 1h\n  warning: { signal: URG, before: 5 }" }), [
      'job.yaml:9:35 error lsf.warning.before: expected a string, got a number (quote it: "5")',
    ]],
    ["an empty warning", spec({ checkpoint: "  interval: 10m", lsf: "  runlimit: 1h\n  warning: null" }), [
      "job.yaml:9:12 error lsf.warning: expected a mapping, got an empty value",
    ]],
    ["slurm.extra entries that are not strings or empty: the schema's", spec({ checkpoint: "  interval: 10m", lsf: "  runlimit: 1h" }) + 'slurm:\n  extra: [5, "", "--mem=1"]\n', [
      'job.yaml:10:11 error slurm.extra[0]: expected a string, got a number (quote it: "5")',
      "job.yaml:10:14 error slurm.extra[1]: must not be empty",
    ]],
    ["an empty slurm section", spec() + "slurm:\n", ["job.yaml:7:1 error slurm: expected a mapping, got an empty value"]],
    ["an empty lsf section", spec() + "lsf:\n", ["job.yaml:7:1 error lsf: expected a mapping, got an empty value"]],
    // The LSF half of a portable spec is not checked as bsub options on Slurm.
    ["lsf.extra beside slurm.extra", spec({ checkpoint: "  interval: 10m", lsf: '  runlimit: 1h\n  extra: ["-n 4", "bogus"]' }) + 'slurm:\n  extra: ["--mem=1"]\n', []],
  ])("%s", (_, source, want) => expect(lines(source, SLURM)).toEqual(want));
});

describe("the Slurm job model, at the edges", () => {
  const model = (source: string) => compileJob(source, "job.yaml", { site: SLURM }).job;
  const head = ["--job-name=stars", "--partition=mw256", "--ntasks=1"];
  it.each<[string, string, Record<string, unknown>]>([
    // USR2 is what Slurm is sent anyway (the script traps it): no warning signal of the spec's own.
    ["the spec names USR2", spec({ lsf: "  runlimit: 1h\n  warning: { signal: SIGUSR2, before: 5m }" }), {
      warningSignal: null,
      sbatchLines: [...head, "--output=stars.%j.log", "--open-mode=append", "--time=60", "--signal=B:USR2@300", "--requeue"],
    }],
    ["an array's default output", spec({ top: 'array: "1-4"' }), {
      sbatchLines: [...head, "--output=stars.%A.%a.log", "--open-mode=append", "--array=1-4", "--no-requeue"],
    }],
    ["short options, more than one space, spaces around an entry", spec() + 'slurm:\n  extra: ["-A proj", "--mem  4000", " --exclusive "]\n', {
      sbatchLines: [...head, "--output=stars.%j.log", "--open-mode=append", "--no-requeue", "-A proj", "--mem 4000", "--exclusive"],
    }],
  ])("%s", (_, source, want) => expect(model(source)).toMatchObject(want));
});
