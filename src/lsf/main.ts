// Entry of dist/lsf-emu.mjs: `node dist/lsf-emu.mjs <verb> [args]`, verb = an LSF command
// (bsub, bjobs, bkill, ...) or an emulator one (supervise, hostfail, shutdown).
import { basename } from "node:path";
import * as cmd from "./commands.js";
import { emuHome } from "./config.js";
import { shutdownAll } from "./emulator.js";
import { supervise } from "./supervisor.js";

const VERBS: Record<string, (args: string[]) => number | Promise<number>> = {
  bsub: cmd.bsub,
  bjobs: cmd.bjobs,
  bkill: cmd.bkill,
  brequeue: cmd.brequeue,
  bhostfail: cmd.bhostfail,
  hostfail: cmd.bhostfail,
  bmig: cmd.bmig,
  bstop: cmd.bstop,
  bresume: cmd.bresume,
  bpeek: cmd.bpeek,
  bqueues: cmd.bqueues,
  bhosts: () => cmd.bhosts(),
  bhist: cmd.bhist,
  lsid: () => cmd.lsid(),
  shutdown: async () => {
    await shutdownAll({ home: emuHome() });
    return 0;
  },
};

function help(): number {
  process.stdout.write(
    `usage: lsf-emu <verb> [args]\n  LSF commands: ${Object.keys(VERBS).filter((v) => v.startsWith("b") || v === "lsid").join(" ")}\n` +
      "  emulator:     supervise ID (internal), hostfail ID (= bhostfail), shutdown (kill all jobs of $LSFEMU_HOME)\n" +
      "  see src/lsf/README.md for the LSFEMU_* settings\n",
  );
  return 0;
}

async function main(argv: string[]): Promise<number> {
  // Also usable through a symlink named after the command (ln -s lsf-emu.mjs bsub).
  const self = basename(argv[1] ?? "");
  let verb = argv[2];
  let args = argv.slice(3);
  if (VERBS[self]) {
    verb = self;
    args = argv.slice(2);
  }
  if (verb === "supervise") {
    supervise(emuHome(), Number(args[0]), args.slice(1));
    return -1; // keeps running
  }
  if (!verb || verb === "-h" || verb === "--help" || verb === "help") return help();
  const fn = VERBS[verb];
  if (!fn) {
    process.stderr.write(`lsf-emu: unknown verb ${verb}\n`);
    return 255;
  }
  return fn(args);
}

main(process.argv).then(
  (rc) => {
    if (rc >= 0) process.exitCode = rc;
  },
  (e: unknown) => {
    process.stderr.write(`lsf-emu: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 255;
  },
);
