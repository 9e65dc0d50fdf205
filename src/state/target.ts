// What `crjob status|clean NAME|SPEC` are about: the job's name, its spec (if given) and its state
// dir, computed exactly as the generated script computes it.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { resolveSite } from "../commands/context.js";
import { readInput } from "../commands/io.js";
import { UserError } from "../errors.js";
import { compileJob } from "../index.js";
import type { JobModel } from "../model.js";
import { NAME_PATTERN } from "../jobspec/schema.js";
import type { LoadedSite } from "../jobspec/site.js";
import type { Flavour, Mode } from "../jobspec/types.js";
import { elementIndexes, expandStateDir, looksLikeState, stateRootDir, userHome } from "./store.js";

export interface Target {
  /** As given on the command line. */
  arg: string;
  name: string;
  spec: string | null;
  /** The state dir (for an array job, the root that holds one dir per element). */
  root: string;
  array: boolean;
  mode: Mode;
  job: JobModel | null;
  /** The site profile's scheduler flavour (the spec's site, or for a bare name the one found here). */
  flavour: Flavour;
}

export interface TargetOptions {
  site?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** A spec file (an existing file, or a name ending in .yaml/.yml) or a job name. */
export function resolveTarget(arg: string, opts: TargetOptions = {}): Target {
  const cwd = opts.cwd ?? process.cwd();
  const home = userHome(opts.env);
  if (isFile(resolve(cwd, arg)) || /\.ya?ml$/.test(arg)) {
    const source = readInput(arg);
    const { job } = compileJob(source, arg, { site: resolveSite(arg, opts.site) });
    return {
      arg,
      name: job.name,
      spec: resolve(cwd, arg),
      root: expandStateDir(job.stateDir, home, cwd),
      array: job.array !== null,
      mode: job.mode,
      job,
      flavour: job.flavour,
    };
  }
  if (!new RegExp(NAME_PATTERN).test(arg)) {
    throw new UserError(`${arg}: neither a spec file nor a job name`);
  }
  const site = siteForName(cwd, opts.site);
  const root = join(stateRootDir(site?.data.state_root, home, cwd), arg);
  // An array job's root holds one dir per element (and `submissions`), no run state of its own.
  const array = elementIndexes(root).length > 0 && !existsSync(join(root, "history")) && !existsSync(join(root, "origin"));
  return { arg, name: arg, spec: null, root, array, mode: "auto", job: null, flavour: site?.data.flavour ?? "ibm" };
}

/** Site profile for a bare job name: --site, $CRJOB_SITE, else crjob.site.yaml here or above. */
function siteForName(cwd: string, explicit?: string): LoadedSite | null {
  return resolveSite(join(cwd, "crjob-job.yaml"), explicit);
}

/** Every job with state under the state root (`$HOME/.crjob`, or the site profile's state_root). */
export function allTargets(opts: TargetOptions = {}): { root: string; targets: Target[] } {
  const cwd = opts.cwd ?? process.cwd();
  const root = stateRootDir(siteForName(cwd, opts.site)?.data.state_root, userHome(opts.env), cwd);
  let names: string[] = [];
  try {
    names = readdirSync(root);
  } catch {
    names = [];
  }
  const targets = names
    .filter((n) => new RegExp(NAME_PATTERN).test(n) && looksLikeState(join(root, n)))
    .sort()
    .map((n) => resolveTarget(n, opts));
  return { root, targets };
}
