import type { Flavour, Mode, Scheduler, Tool } from "./jobspec/types.js";

/**
 * The normalized job: every default applied, every decision made. Templates see only this,
 * never the raw spec, so they stay layout. Strings are raw values; templates quote them with
 * `{{sh x}}` (or `{{shpath x}}` for paths where a leading `~`/`$HOME` expands at run time).
 */
export interface JobModel {
  /** Spec file as named on the command line (header only). */
  specFile: string;
  crjobVersion: string;
  name: string;
  queue: string;
  slots: number;
  mode: Mode;
  flavour: Flavour;
  /** Script dialect (templates/schedulers/<scheduler>/): "lsf" for ibm and openlava, "slurm". */
  scheduler: Scheduler;
  /** The command that takes the script on stdin: bsub or sbatch. */
  submitCommand: "bsub" | "sbatch";
  /** The scheduler's job id variable in the job's environment: LSB_JOBID or SLURM_JOB_ID. */
  jobIdVar: string;
  /** Complete `#BSUB` option words, one entry per line, already shell-quoted (LSF; [] on Slurm). */
  bsubLines: string[];
  /** Complete `#SBATCH` options, one entry per line, already quoted (Slurm; [] on LSF). */
  sbatchLines: string[];
  /** Job array spec ("1-100%10") or null. */
  array: string | null;
  app: {
    command: string;
    args: string[];
    /** File in the work dir that gets stdout+stderr. */
    output: string;
    env: { name: string; value: string }[];
    restartCommand: string | null;
    restartArgs: string[] | null;
  };
  stageIn: string[];
  stageOut: string[];
  tool: Tool;
  /** Seconds between checkpoints; null for tool none. */
  intervalSeconds: number | null;
  /** interval: auto (Young/Daly) with this MTBF. */
  intervalAuto: boolean;
  mtbfSeconds: number | null;
  /** Checkpoint/state dir, raw (may start with ~ or $HOME). */
  stateDir: string;
  keep: number;
  keepOnSuccess: boolean;
  restorePid: "auto" | "always" | "never";
  /** tool app */
  appFiles: string[];
  appSignal: string | null;
  appReady: { marker: string | null; stableSeconds: number | null; timeoutSeconds: number };
  /** Work-dir root; the job runs in <scratch>/$LSB_JOBID. */
  scratch: string;
  /** BLCR install prefix from the site profile, or null (cr_* from PATH). */
  blcrPrefix: string | null;
  /** DMTCP install prefix from the site profile (`queues.<q>.dmtcp`), or null (dmtcp_* from PATH). */
  dmtcpPrefix: string | null;
  /** Run limit in seconds, or null. */
  runlimitSeconds: number | null;
  /** Seconds before the run limit at which the script takes its final checkpoint. */
  limitMarginSeconds: number;
  requeue: {
    /** exit (-Q / REQUEUE_EXIT_VALUES), brequeue (LSF), scontrol (Slurm: scontrol requeue), none. */
    method: "exit" | "brequeue" | "scontrol" | "none";
    exitCode: number;
    maxRequeues: number;
  };
  /** Signal the scheduler sends as the warning (LSF -wa; Slurm --signal=B:, when not USR2), or null. */
  warningSignal: string | null;
}
