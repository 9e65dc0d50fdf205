// JSON Schema (draft-07: ajv's default dialect, and what yaml-language-server reads best) for the
// job spec and the site profile. Plain objects on purpose: `crjob schema` prints them, and a build
// step can compile them into ajv standalone code. Field names mirror src/jobspec/types.ts.
// Cross-field checks (interval vs run limit, site queues, bsub options) live in rules.ts.
import { DEFAULTS } from "./defaults.js";

/** Patterns, shared with validate.ts, which explains each one to people (patternHelp). */
export const NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]*$";
export const DURATION_PATTERN = "^(?=\\d)(?:\\d+d)?(?:\\d+h)?(?:\\d+m)?(?:\\d+s)?$";
export const INTERVAL_PATTERN = "^(?:auto|(?=\\d)(?:\\d+d)?(?:\\d+h)?(?:\\d+m)?(?:\\d+s)?)$";
/** A duration, LSF's "[hour:]minute", or plain minutes. Seconds are caught by rules.ts. */
export const RUNLIMIT_PATTERN = "^(?:\\d+|\\d+:[0-5]?\\d|(?=\\d)(?:\\d+d)?(?:\\d+h)?(?:\\d+m)?(?:\\d+s)?)$";
export const SIGNAL_PATTERN = "^(?:SIG)?[A-Z][A-Z0-9]*$";
export const ENV_NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$";
/** Absolute, or expanded at run time: "~/x", "$HOME/x", "${SCRATCH}/x". */
export const ROOTED_PATH_PATTERN = "^(?:/|~|\\$)";

/** What each pattern means, in words, for error messages ("must be <help>"). */
export const patternHelp: Record<string, string> = {
  [NAME_PATTERN]: 'a name of letters, digits, "_", "." and "-" that starts with a letter or digit',
  [DURATION_PATTERN]: "a duration like 90s, 30m, 12h, 1d (or 1h30m)",
  [INTERVAL_PATTERN]: 'a duration like 90s, 30m, 12h, 1d (or 1h30m), or "auto"',
  [RUNLIMIT_PATTERN]: 'a run limit like 90m, 12h, 1d, "1:30" (hours:minutes) or 90 (minutes)',
  [SIGNAL_PATTERN]: "a signal name like USR1 or SIGUSR1",
  [ENV_NAME_PATTERN]: 'a variable name of letters, digits and "_" that does not start with a digit',
  [ROOTED_PATH_PATTERN]: 'an absolute path, or one starting with "~" or "$HOME"',
};

type Json = Record<string, unknown>;

const str = (description: string, extra: Json = {}): Json => ({ type: "string", description, ...extra });
const duration = (description: string, extra: Json = {}): Json =>
  str(description, { pattern: DURATION_PATTERN, ...extra });
const strings = (description: string, items: Json = { type: "string", minLength: 1 }): Json => ({
  type: "array",
  description,
  items,
});
const obj = (description: string, properties: Record<string, Json>, required: string[] = []): Json => ({
  type: "object",
  description,
  additionalProperties: false,
  ...(required.length ? { required } : {}),
  properties,
});

const app = obj(
  "The program to run and its input/output.",
  {
    command: str("Program to run, e.g. ./t-20001030-01 (a path in the work dir, or a command on PATH).", {
      minLength: 1,
    }),
    args: strings("Arguments, passed verbatim: each entry is exactly one argument, never split or expanded.", {
      type: "string",
    }),
    output: str(
      "File in the work dir that gets the app's stdout and stderr, kept whole across restarts. A relative path without \"..\". Default: <name>.out.",
      { minLength: 1 },
    ),
    env: {
      type: "object",
      description: "Variables exported to the app (values are strings: quote numbers, e.g. \"4\").",
      propertyNames: { pattern: ENV_NAME_PATTERN },
      additionalProperties: { type: "string" },
    },
    restart_command: str('checkpoint.tool "app": program run instead of command when resuming.', {
      minLength: 1,
    }),
    restart_args: strings('checkpoint.tool "app": arguments used instead of args when resuming, e.g. ["-cpi", "state.cpt"].', {
      type: "string",
    }),
  },
  ["command"],
);

const checkpoint = obj("How and how often the app is checkpointed.", {
  tool: {
    type: "string",
    enum: ["blcr", "none", "dmtcp", "app"],
    default: DEFAULTS.tool,
    description:
      `Checkpointer: "blcr" (cr_run/cr_checkpoint/cr_restart), "dmtcp", "app" (the app writes its own checkpoint files), or "none" (no checkpoints). Default: ${DEFAULTS.tool}.`,
  },
  interval: str(
    'Time between checkpoints: 90s, 30m, 12h, 1d, or "auto" (chosen from the measured checkpoint cost and mtbf). Required unless tool is "none"; below 1m only for testing.',
    { pattern: INTERVAL_PATTERN },
  ),
  mtbf: duration('Mean time between failures used by interval "auto", e.g. 3d. Default: from the site profile.'),
  dir: str(
    "Where checkpoints and the job's state live; ~ and $HOME expand at run time. Keep it off scratch. Default: $HOME/.crjob/<name>.",
    { pattern: ROOTED_PATH_PATTERN },
  ),
  keep: {
    type: "integer",
    minimum: 1,
    default: DEFAULTS.keep,
    description: `Checkpoint generations kept; older ones are removed once a newer one is complete. Default: ${DEFAULTS.keep}.`,
  },
  keep_on_success: {
    type: "boolean",
    default: DEFAULTS.keepOnSuccess,
    description: `Keep the checkpoints when the app ends successfully (else they are removed). Default: ${DEFAULTS.keepOnSuccess}.`,
  },
  restore_pid: {
    type: "string",
    enum: ["auto", "always", "never"],
    default: DEFAULTS.restorePid,
    description:
      `BLCR: "auto" restores the original PID and retries with --no-restore-pid when it is in use; "always"; "never". Default: ${DEFAULTS.restorePid}.`,
  },
  files: strings('checkpoint.tool "app": files/globs in the work dir that the app writes as its checkpoint.'),
  signal: str('checkpoint.tool "app": signal sent to the app to make it write its checkpoint, e.g. USR1.', {
    pattern: SIGNAL_PATTERN,
  }),
  ready: obj('checkpoint.tool "app": how crjob knows the checkpoint files are complete.', {
    marker: str("File the app creates when its checkpoint is complete.", { minLength: 1 }),
    stable: duration("The files count as complete once their size has not changed for this long, e.g. 10s."),
    timeout: duration(`Give up waiting (the checkpoint is skipped, the previous generation kept) after this long. Default: ${DEFAULTS.readyTimeout}.`),
  }),
});

const lsf = obj(
  "Scheduler settings. Written for LSF (bsub), and they carry over to Slurm (site profile flavour: slurm): output/error → --output/--error with %J → %j (%A in arrays) and %I → %a, runlimit → --time, warning.before → --signal=B:SIG@seconds, rerunnable → --requeue, max_requeues (Slurm counts them: SLURM_RESTART_COUNT). On Slurm, resources and extra are errors unless slurm.extra says what Slurm gets instead; requeue exit/brequeue are errors and requeue_exit is ignored.",
  {
  output: str("#BSUB -o: the job's output file (%J = job id, %I = array index allowed; on Slurm --output with %J → %j, %I → %a).", { minLength: 1 }),
  error: str("#BSUB -e (Slurm --error): the job's error file (%J, %I allowed). Default: with the output.", { minLength: 1 }),
  runlimit: {
    type: ["string", "integer"],
    pattern: RUNLIMIT_PATTERN,
    minimum: 1,
    description:
      '#BSUB -W (Slurm --time): run limit, e.g. 90m, 12h, 1d, "1:30" (hours:minutes) or 90 (minutes); no seconds. crjob checkpoints before it and requeues the job.',
  },
  resources: str("#BSUB -R: resource requirement string, e.g. \"rusage[mem=4000]\". LSF only: on Slurm an error unless slurm.extra is set (then ignored there).", { minLength: 1 }),
  extra: strings('Further bsub options, one option with its value per entry, e.g. ["-M 4000", "-P myproject"]. LSF only: on Slurm an error unless slurm.extra is set (then ignored there).'),
  rerunnable: {
    type: "boolean",
    default: DEFAULTS.rerunnable,
    description: `#BSUB -r (Slurm --requeue): rerun the job (it resumes from its checkpoint) when its host is lost. Default: ${DEFAULTS.rerunnable}.`,
  },
  requeue_exit: {
    type: "integer",
    minimum: 1,
    maximum: 255,
    default: DEFAULTS.requeueExit,
    description: `Exit code that makes LSF requeue the job at its run limit. Default: ${DEFAULTS.requeueExit}. Ignored on Slurm (the job requeues itself with scontrol requeue).`,
  },
  max_requeues: {
    type: "integer",
    minimum: 0,
    default: DEFAULTS.maxRequeues,
    description: `Stop requeueing after this many requeues (a guard against endless loops; on Slurm counted by SLURM_RESTART_COUNT). Default: ${DEFAULTS.maxRequeues}.`,
  },
  requeue: {
    type: "string",
    enum: ["auto", "exit", "brequeue", "none"],
    default: DEFAULTS.requeue,
    description:
      `How the job gets back in the queue at its run limit: "exit" (#BSUB -Q on IBM LSF, the queue's REQUEUE_EXIT_VALUES on OpenLava), "brequeue", "none", or "auto" (by flavour; on Slurm scontrol requeue, and "exit"/"brequeue" are errors). Default: ${DEFAULTS.requeue}.`,
  },
  warning: obj("Warning before the run limit (IBM LSF: -wa/-wt; Slurm: --signal=B:SIG@before, default USR2; OpenLava: crjob's own timer).", {
    signal: str("Signal sent before the run limit, e.g. USR1.", { pattern: SIGNAL_PATTERN }),
    before: duration("How long before the run limit, e.g. 10m."),
  }),
  },
);

const slurm = obj("Slurm only (ignored on LSF): settings with no LSF field to carry over from.", {
  extra: strings(
    'Further sbatch options, one per entry, e.g. ["--mem=4000", "--account=myproj"]; what Slurm gets instead of lsf.resources and lsf.extra. Options crjob sets (--job-name, --partition, --time, …) are errors.',
  ),
});

export const specSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "urn:crjob:spec:v1",
  title: "crjob job spec",
  description: "A checkpointed batch job. `crjob render` turns it into a job script for `bsub <` (LSF) or `sbatch <` (Slurm: site profile flavour slurm).",
  type: "object",
  additionalProperties: false,
  required: ["name", "queue", "app"],
  properties: {
    name: str("Job name (#BSUB -J) and the key of the job's checkpoint state.", { pattern: NAME_PATTERN }),
    queue: str("LSF queue (#BSUB -q), or Slurm partition (#SBATCH --partition).", { pattern: NAME_PATTERN }),
    slots: { type: "integer", minimum: 1, default: DEFAULTS.slots, description: `Job slots (#BSUB -n; Slurm --ntasks). Default: ${DEFAULTS.slots}.` },
    mode: {
      type: "string",
      enum: ["auto", "fresh", "restart"],
      default: DEFAULTS.mode,
      description:
        `"auto": restart from this job's checkpoint when one exists, else start fresh; "fresh"; "restart" (fail when there is no checkpoint). Default: ${DEFAULTS.mode}.`,
    },
    array: str('Job array: "1-100", "1-100%10" (at most 10 at once), "1,3,5-9"; each element has its own checkpoints.'),
    app,
    stage: obj("Files copied between the submit dir and the work dir.", {
      in: strings("Files/dirs (relative to the submit dir) copied into the work dir before a fresh start."),
      out: strings('Files/globs copied back to the submit dir when the job ends (also when it fails), e.g. [context, "results/*"].'),
    }),
    checkpoint,
    scratch: str(`Work-dir root: the job runs in <scratch>/$LSB_JOBID (Slurm: $SLURM_JOB_ID). Default: from the site profile, else ${DEFAULTS.scratch}.`, {
      pattern: ROOTED_PATH_PATTERN,
    }),
    lsf,
    slurm,
  },
} as const;

const queue = obj("One LSF queue or Slurm partition.", {
  blcr: str("BLCR install prefix for this queue (<prefix>/bin goes on PATH, <prefix>/lib on LD_LIBRARY_PATH), e.g. /share/apps/blcr/0.8.5/mw256.", {
    pattern: ROOTED_PATH_PATTERN,
  }),
  requeue_exit_values: {
    type: "array",
    description: "The queue's REQUEUE_EXIT_VALUES (OpenLava has no per-job -Q, so requeueing relies on these).",
    items: { type: "integer", minimum: 1, maximum: 255 },
  },
  dmtcp: str("DMTCP install prefix for this queue (<prefix>/bin goes on PATH).", { pattern: ROOTED_PATH_PATTERN }),
});

export const siteSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "urn:crjob:site:v1",
  title: "crjob site profile",
  description: "Describes a cluster once: scheduler flavour, scratch, and per queue the checkpointer installs.",
  type: "object",
  additionalProperties: false,
  properties: {
    flavour: {
      type: "string",
      enum: ["ibm", "openlava", "slurm"],
      default: "ibm",
      description:
        '"ibm" (IBM Spectrum LSF), "openlava" (OpenLava / volclava) or "slurm" (sbatch; queues are partitions). The same specs render for each. Default: ibm.',
    },
    scratch: str("Default work-dir root for specs that set none.", { pattern: ROOTED_PATH_PATTERN }),
    state_root: str("Default checkpoint dir root, e.g. $HOME/.crjob.", { pattern: ROOTED_PATH_PATTERN }),
    mtbf: duration('Default mean time between failures for checkpoint.interval "auto", e.g. 3d.'),
    templates: str("Directory of template overrides.", { minLength: 1 }),
    queues: {
      type: "object",
      description: "The cluster's queues by name. With queues listed, a spec's queue must be one of them.",
      propertyNames: { pattern: NAME_PATTERN },
      additionalProperties: queue,
    },
  },
} as const;
