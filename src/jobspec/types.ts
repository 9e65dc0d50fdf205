// The job spec as users write it (v1). Field names are a contract: docs, tests and users rely on them.
// The JSON Schema in src/jobspec/schema.ts is the source of truth for what is valid; this type mirrors it.

export type Mode = "auto" | "fresh" | "restart";
export type Tool = "blcr" | "none" | "dmtcp" | "app";
/** The site's scheduler: IBM Spectrum LSF, OpenLava/volclava (both LSF), or Slurm. */
export type Flavour = "ibm" | "openlava" | "slurm";
/** The dialect of the generated script: templates/schedulers/<scheduler>/. */
export type Scheduler = "lsf" | "slurm";

export interface Spec {
  name: string;
  queue: string;
  slots?: number;
  mode?: Mode;
  /** Job array, e.g. "1-100%10" (issue 5). */
  array?: string;
  app: {
    command: string;
    args?: string[];
    output?: string;
    env?: Record<string, string>;
    /** tool "app": used instead of command/args when resuming. */
    restart_command?: string;
    restart_args?: string[];
  };
  stage?: { in?: string[]; out?: string[] };
  checkpoint?: {
    tool?: Tool;
    /** "90s", "30m", "12h", "1d", or "auto" (Young/Daly, issue 6). */
    interval?: string;
    mtbf?: string;
    dir?: string;
    keep?: number;
    keep_on_success?: boolean;
    /** BLCR: "auto" retries with --no-restore-pid on EBUSY; "always"; "never". */
    restore_pid?: "auto" | "always" | "never";
    /** tool "app": files the app writes, saved as a generation. */
    files?: string[];
    signal?: string;
    ready?: { marker?: string; stable?: string; timeout?: string };
  };
  scratch?: string;
  lsf?: {
    output?: string;
    error?: string;
    runlimit?: string;
    resources?: string;
    extra?: string[];
    rerunnable?: boolean;
    requeue_exit?: number;
    max_requeues?: number;
    /** "auto" picks by flavour; "exit" = -Q / queue REQUEUE_EXIT_VALUES; "brequeue"; "none". */
    requeue?: "auto" | "exit" | "brequeue" | "none";
    warning?: { signal?: string; before?: string };
  };
  /** Slurm only (ignored on LSF): sbatch options, as lsf.extra holds bsub options. */
  slurm?: {
    extra?: string[];
  };
}

/** The site profile: describes a cluster once (its own small schema). */
export interface SiteProfile {
  flavour?: Flavour;
  scratch?: string;
  /** Default checkpoint dir root, e.g. "$HOME/.crjob". */
  state_root?: string;
  mtbf?: string;
  templates?: string;
  queues?: Record<
    string,
    {
      /** BLCR install prefix for this queue; the script puts <prefix>/bin on PATH and <prefix>/lib on LD_LIBRARY_PATH. */
      blcr?: string;
      /** The queue's REQUEUE_EXIT_VALUES (OpenLava has no per-job -Q). */
      requeue_exit_values?: number[];
      dmtcp?: string;
    }
  >;
}
