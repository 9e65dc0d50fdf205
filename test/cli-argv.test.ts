// The command line is declared once (src/cli-options.ts) and read two ways: quick-argv.ts for
// plain command lines (no yargs: start-up time) and yargs for the rest. Wherever quick-argv
// answers, yargs must give the handler exactly the same arguments.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COMMANDS, type CommandArgs } from "../src/cli-options.js";
import { commandLine } from "../src/cli-yargs.js";
import { quickArgs } from "../src/quick-argv.js";

/** What yargs hands the dispatcher for `argv`, or the usage error it reports. */
async function viaYargs(argv: string[]): Promise<{ command: string; args: CommandArgs } | { error: string }> {
  let got: { command: string; args: CommandArgs } | undefined;
  try {
    await (await commandLine(argv, async (command, args) => void (got = { command, args }))).parseAsync();
  } catch (e) {
    return { error: (e as Error).message };
  }
  return got ?? { error: "no command ran" };
}

describe("quick-argv and yargs, both from cli-options.ts", () => {
  it.each([
    [["render", "a.yaml"]],
    [["render", "a.yaml", "b.yaml", "--outdir", "out", "--site", "s.yaml", "--check"]],
    [["render", "-o", "run.a", "a.yaml", "--mode", "fresh", "--force", "--templates", "t"]],
    [["validate", "a.yaml", "--format", "json"]],
    [["init"]],
    [["init", "stars"]],
    [["schema"]],
    [["submit", "a.yaml", "--dry-run", "--", "-q", "short", "-P", "p"]],
    [["status"]],
    [["status", "a", "b", "--format", "json", "--site", "s.yaml"]],
    [["run", "--local", "a.yaml", "--kill-after", "10s", "--no-checkpoint", "--flavour", "openlava"]],
    [["clean", "stars", "-y"]],
  ])("every command's everyday line is read without yargs, as yargs reads it: %j", async (argv) => {
    const quick = quickArgs(argv);
    expect(quick).not.toBeNull();
    expect(await viaYargs(argv)).toEqual(quick);
  });

  it.each([
    [["render"]], // a required positional missing: yargs says so
    [["render", "a.yaml", "--mode", "resume"]],
    [["render", "a.yaml", "--outdir=out"]],
    [["render", "a.yaml", "--check", "true"]],
    [["run", "a.yaml", "b.yaml"]],
    [["schema", "x"]],
    [["render", "a.yaml", "--", "x"]],
    [["init", "--help"]],
    [["--version"]],
  ])("leaves the rest to yargs: %j", (argv) => {
    expect(quickArgs(argv)).toBeNull();
  });

  it("agrees with yargs on generated command lines", async () => {
    const optionWords = [...new Set(COMMANDS.flatMap((c) => c.options.flatMap((o) => [`--${o.name}`, ...(o.alias ? [`-${o.alias}`] : []), ...(o.type === "boolean" ? [`--no-${o.name}`] : [])])))];
    const word = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...optionWords) },
      { weight: 3, arbitrary: fc.constantFrom("a.yaml", "b", "out", "json", "text", "fresh", "ibm", "10s", "x y", "1") },
      { weight: 1, arbitrary: fc.constantFrom("--", "-", "", "true", "false", "--bogus", "-q", "--outdir=x", "-yo", "--no-bogus") },
    );
    const argv = fc.tuple(fc.constantFrom(...COMMANDS.map((c) => c.name)), fc.array(word, { maxLength: 7 })).map(([c, ws]) => [c, ...ws]);
    let quickOnes = 0;
    await fc.assert(
      fc.asyncProperty(argv, async (a) => {
        const quick = quickArgs(a);
        if (quick === null) return;
        quickOnes++;
        expect(await viaYargs(a)).toEqual(quick);
      }),
      { numRuns: 1500, seed: 1203 },
    );
    expect(quickOnes).toBeGreaterThan(150);
  });
});
