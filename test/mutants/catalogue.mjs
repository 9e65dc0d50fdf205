// Template mutants: each a way the job lifecycle could break silently, as text patches applied by
// scripts/mutants.mjs to a temporary copy of templates/ (production templates carry no hooks).
// A patch's `search` (a string, or a RegExp) must match exactly once in its file, or the runner
// fails naming the mutant: templates changed, and the mutant must be written again.
// `killers` are the lifecycle tests expected to kill it, most likely first: { file, test } where
// `test` is the test's name (or a unique part of it), matched as vitest's -t pattern.
// A new lifecycle promise brings its mutant here.

const MAIN = "partials/main.hbs";
const LIB = "partials/lib.hbs";
const WATCH = "partials/watch.hbs";
const APP = "tools/app/tool.hbs";
const DMTCPT = "tools/dmtcp/tool.hbs";
const LSFQ = "schedulers/lsf/requeue.hbs";
const SLURMQ = "schedulers/slurm/requeue.hbs";
const SUPERVISE = "partials/supervise.hbs";
const HEADER = "partials/header.hbs";

const LSF = "test/lifecycle/lsf.test.ts";
const SCEN = "test/lifecycle/scenarios.test.ts";
const APPT = "test/lifecycle/app-tool.test.ts";
const APPO = "test/lifecycle/app-output.test.ts";
const DMTCP = "test/lifecycle/dmtcp.test.ts";
const DIRECT = "test/lifecycle/direct.test.ts";
const ARRAYS = "test/lifecycle/arrays.test.ts";
const REAL = "test/lifecycle/real-semantics.test.ts";
const QUIET = "test/lifecycle/quiet-wait.test.ts";
const MARGIN = "test/margin.test.ts";
const SLURMS = "test/slurm/script.test.ts";
const ENDS = "test/lifecycle/ends-during-final.test.ts";
const TIMING = "test/lifecycle/signal-timing.test.ts";
const STARTEND = "test/lifecycle/start-end.test.ts";

export const MUTANTS = [
  {
    name: "always-start-fresh",
    why: "auto/restart choose no generation: every run starts the app over (its output, cut back by the checkpointers, still comes out exact)",
    patches: [{ file: MAIN, search: '    crjob_candidates=("${crjob_gens[@]}")\n', replace: "    crjob_candidates=()\n" }],
    killers: [
      { file: LSF, test: "a host failure (crash) ends the job; a new bsub resumes" },
      { file: SCEN, test: "node loss: the old scratch dir is gone; open files come back from the generation" },
      { file: SCEN, test: "run limit (own timer): final checkpoint before the limit, exit with the requeue code" },
      { file: APPT, test: "ready by stable size" },
      { file: DMTCP, test: "kill -9 at seeded random instants" },
    ],
  },
  {
    name: "restore-oldest-generation",
    why: "the restart tries the oldest generation first instead of the newest: work since then is redone",
    patches: [
      {
        file: MAIN,
        search: '    crjob_candidates=("${crjob_gens[@]}")\n',
        replace: '    for ((crjob_i = ${#crjob_gens[@]} - 1; crjob_i >= 0; crjob_i--)); do crjob_candidates+=("${crjob_gens[crjob_i]}"); done\n',
      },
    ],
    killers: [
      { file: APPT, test: "kill -9, then a new job id: the app resumes from its own checkpoint" },
      { file: SCEN, test: "a corrupt newest generation falls back to the one before" },
      { file: LSF, test: "a host failure (crash) ends the job; a new bsub resumes" },
    ],
  },
  {
    name: "ignore-run-limit-signal",
    why: "SIGUSR2 (LSF's run-limit signal) is logged but does nothing: no final checkpoint, the job is killed at the limit",
    patches: [{ file: MAIN, search: "    *) CRJOB_LIMIT=1 ;;\n", replace: "    *) : ;;\n" }],
    killers: [{ file: LSF, test: "SIGUSR2 at the limit (no own timer left): final checkpoint and requeue" }],
  },
  {
    name: "skip-final-checkpoint-on-bkill",
    why: "bkill stops the app at once: the work since the last interval checkpoint is lost",
    patches: [
      {
        file: MAIN,
        search: '      crjob_log "stopping on SIG$CRJOB_STOP_SIGNAL: final checkpoint first"\n      crjob_checkpoint_and_stop\n',
        replace: '      crjob_log "stopping on SIG$CRJOB_STOP_SIGNAL: final checkpoint first"\n      crjob_tool_stop\n',
      },
    ],
    killers: [
      { file: LSF, test: "bkill, then a new bsub of the same spec resumes" },
      { file: SCEN, test: "bkill's INT, TERM, KILL: final checkpoint, exit 130" },
      { file: APPT, test: "bkill through LSF: final checkpoint, EXIT" },
      { file: ARRAYS, test: "after bkill of element 2 a resubmission resumes only element 2" },
    ],
  },
  {
    // Written in place, the generation is visible under its final name (with its meta, as an
    // in-place writer records it first) before its images are complete. (In place but with the
    // meta written last would be equivalent: a generation counts only once its meta exists.)
    name: "generation-written-in-place",
    why: "a generation is written under its final name instead of complete-then-rename: a kill mid-checkpoint leaves a half generation that looks complete",
    patches: [
      { file: LIB, search: '  tmp="$CRJOB_STATE/.gen.$gen.tmp.$$"\n', replace: '  tmp="$CRJOB_STATE/gen.$gen"\n' },
      {
        file: LIB,
        search: '  mkdir -m 700 "$tmp" || {',
        replace: "  mkdir -m 700 \"$tmp\" && printf 'gen=%s\\n' \"$gen\" >\"$tmp/meta\" || {",
      },
      { file: LIB, search: '  mv "$tmp" "$CRJOB_STATE/gen.$gen" || { rm -rf "$tmp"; return 1; }\n', replace: "  :\n" },
    ],
    killers: [
      { file: SCEN, test: "fresh by mistake loses nothing" },
      { file: DMTCP, test: "a kill -9 while DMTCP writes its images leaves the generation before intact" },
    ],
  },
  {
    name: "drop-previous-generation-early",
    why: "the previous generation is removed before the new one is complete: a kill mid-checkpoint loses it",
    patches: [
      {
        file: LIB,
        search: '  crjob_tool_checkpoint "$tmp" "$final"\n',
        replace: '  crjob_drop_generation "$CRJOB_LAST_GEN"\n  crjob_tool_checkpoint "$tmp" "$final"\n',
      },
    ],
    killers: [
      { file: SCEN, test: "fresh by mistake loses nothing" },
      { file: DMTCP, test: "a kill -9 while DMTCP writes its images leaves the generation before intact" },
    ],
  },
  {
    name: "skip-output-cut-back",
    why: "tool app: the output is not cut back to its size at the checkpoint: lines printed after it appear twice",
    patches: [{ file: APP, search: '  [ -z "$size" ] || truncate -s "$size" "$CRJOB_APP_OUTPUT"\n', replace: '  : "$size"\n' }],
    killers: [{ file: APPO, test: "crjob cuts the output back to its size at the checkpoint" }],
  },
  {
    name: "skip-stage-out-on-failure",
    why: "only a successful run stages its output out: a failed, killed or requeued run leaves it in scratch",
    patches: [{ file: MAIN, search: "  if crjob_stage_out || [[ $2 == requeue* ]]; then\n", replace: '  if { [ "$1" != 0 ] || crjob_stage_out; } || [[ $2 == requeue* ]]; then\n' }],
    killers: [
      { file: DIRECT, test: "passes the app's exit status on and keeps its checkpoints" },
      { file: APPT, test: "at the run limit the job ends EXIT, is not requeued, and still stages its output out" },
    ],
  },
  {
    name: "ignore-requeue-cap",
    why: "lsf.max_requeues is not enforced: a job that never finishes requeues for ever",
    patches: [{ file: LSFQ, search: '  if [ "$count" -gt "$CRJOB_MAX_REQUEUES" ]; then\n', replace: "  if false; then\n" }],
    killers: [{ file: LSF, test: "lsf.max_requeues stops endless requeues" }],
  },
  {
    name: "ignore-requeue-cap-slurm",
    why: "Slurm: the cap counted by SLURM_RESTART_COUNT is not enforced: a job that never finishes requeues for ever",
    patches: [{ file: SLURMQ, search: '  if [ "$count" -gt "$CRJOB_MAX_REQUEUES" ]; then\n', replace: "  if false; then\n" }],
    killers: [{ file: SLURMS, test: "stops at lsf.max_requeues counted by SLURM_RESTART_COUNT" }],
  },
  {
    name: "skip-lock",
    why: "no lock on the state dir: two live jobs share (and overwrite) one job's checkpoints",
    patches: [{ file: MAIN, search: "\n  crjob_lock\n", replace: "\n  : crjob_lock\n" }],
    killers: [{ file: SCEN, test: "a second live job on the same state refuses to share it" }],
  },
  // Not here: "the final checkpoint killable by bkill's next signal". The script's work runs in a
  // child of the job's first process that ignores the job's signals, and every helper inherits
  // that (partials/supervise); the mutant that takes that design away is
  // signals-trapped-by-the-working-shell below.
  {
    name: "skip-checksum-verification",
    why: "a generation is restored without checking its manifest: a truncated or changed image is restored (DMTCP then hangs) instead of falling back",
    patches: [{ file: MAIN, search: '  crjob_verify_generation "$1" || return 1\n', replace: "  : || return 1\n" }],
    killers: [
      { file: REAL, test: "a truncated newest image fails its manifest check; the generation before restores" },
      { file: REAL, test: "a context whose bytes changed fails its manifest check" },
    ],
  },
  {
    name: "no-restore-timeout",
    why: "a restore that never reaches running is waited for forever: the job hangs until killed from outside",
    patches: [{ file: LIB, search: '  [ "$SECONDS" -ge "$CRJOB_RESTORE_UNTIL" ] || return 1\n', replace: "  return 1\n" }],
    killers: [{ file: REAL, test: "a cr_restart that never gets going is killed after the restore timeout" }],
  },
  {
    name: "requeue-after-app-ended",
    why: "an app that ends on its own during the final checkpoint before the run limit (the checkpoint then fails) is requeued to the generation before its end, again and again until the requeue cap",
    patches: [{ file: MAIN, search: /^ {2}elif \[ "\$CRJOB_TOOL" != none \] && ! crjob_alive "\$CRJOB_APP_PID"; then\n[^]*?^ {6}return 1\n {4}fi\n/m, replace: "" }],
    killers: [{ file: ENDS, test: "the job ends as the app did" }],
  },
  {
    name: "margin-ignores-checkpoint-cost",
    why: "the final checkpoint's margin stays the configured one whatever the checkpoints cost: a slow final checkpoint is killed at the limit",
    patches: [{ file: LIB, search: "  need=$((2 * slow + 10))\n", replace: "  need=0\n" }],
    killers: [{ file: MARGIN, test: "logs the margin it uses from the job's history" }],
  },
  {
    name: "dmtcp-messages-in-output",
    why: "DMTCP's own WARNING lines (printed by restored processes to their stderr, the output file) are not dropped from the output the stage-out copies back",
    patches: [{ file: DMTCPT, search: '  if LC_ALL=C grep -q -E "$CRJOB_DMTCP_FILTER" "$2"; then\n', replace: "  if false; then\n" }],
    killers: [
      { file: REAL, test: "two crashes and resumes: exact output" },
      { file: DMTCP, test: "killed with kill -9 twice, resumed under new job ids" },
    ],
  },
  {
    name: "signal-during-checkpoint-lost",
    why: "a signal that arrives while the script checkpoints does not wake the wait: bkill is acted on only at the next due time",
    patches: [
      { file: SUPERVISE, search: '  printf . >&"$CRJOB_RELAY_W"\n', replace: "" },
      { file: WATCH, search: '  [ "${#CRJOB_SIGNALS[@]}" -gt "$CRJOB_SIGNALS_LOGGED" ]\n', replace: "  false\n" },
    ],
    killers: [{ file: QUIET, test: "a bkill during a checkpoint is acted on as soon as the checkpoint is written" }],
  },
  {
    name: "signals-trapped-by-the-working-shell",
    why: "the shell that does the job's work traps the signals itself (no first process that only waits): a signal while bash 5.2 expands a $(...) is lost and cuts the restore's loop short (\"trap: line 2: unexpected EOF\"), and the helpers it starts die of the job's signals",
    patches: [
      { file: SUPERVISE, search: "crjob_main &\nCRJOB_WORKER=$!\n", replace: "" },
      { file: SUPERVISE, search: 'crjob_collect "$CRJOB_WORKER"\nexit\n', replace: "crjob_main\n" },
    ],
    killers: [
      { file: TIMING, test: "the run-limit signal while a restore checks its generation" },
      { file: TIMING, test: "a bkill while a restore checks its generation" },
    ],
  },
  {
    name: "signals-fatal-before-traps",
    why: "the job's signals keep their default action until the first process traps them: Slurm's time-limit warning sent right after a requeue kills the job (FAILED, no requeue)",
    patches: [{ file: HEADER, search: /^trap '' INT TERM QUIT USR1 USR2.*\n/m, replace: "" }],
    killers: [{ file: TIMING, test: "a signal at the job's first command is ignored, not fatal" }],
  },
  {
    name: "work-dir-removed-after-failed-stage-out",
    why: "the work dir is removed although its files did not all reach the submit dir: a finished job's results are lost",
    patches: [{ file: MAIN, search: "  if crjob_stage_out || [[ $2 == requeue* ]]; then\n", replace: "  crjob_stage_out\n  if true; then\n" }],
    killers: [{ file: TIMING, test: "a stage-out that fails keeps the work dir" }],
  },
  {
    name: "restore-not-retried-after-signal",
    why: "a restore that failed while a signal came is taken for a bad generation: the job falls back to an older one (work redone) or ends restart-failed",
    patches: [{ file: MAIN, search: "crjob_try_again() { # what\n  crjob_poll_signals\n", replace: "crjob_try_again() { # what\n  return 1\n" }],
    killers: [{ file: TIMING, test: "a restore that fails while a signal comes is tried again" }],
  },
  {
    name: "restore-despite-stop",
    why: "a bkill that comes while a generation is checked does not stop the restore: the app is restored only to be checkpointed and stopped again",
    patches: [{ file: MAIN, search: '  [ -z "$CRJOB_STOP_SIGNAL" ] || return 2 # stopped while the generation was checked\n', replace: "" }],
    killers: [{ file: TIMING, test: "a bkill while a restore checks its generation" }],
  },
  {
    name: "signal-taken-in-at-every-look",
    why: "the script does not count the signals it has taken in (crjob_on_signal logs instead of recording): every look takes in every signal of the job again, logs it again and sets its flag again (a USR1 asks for a checkpoint at each look)",
    patches: [{ file: MAIN, search: '  CRJOB_SIGNALS+=("$1")\n', replace: '  crjob_log "received SIG$1"\n' }],
    killers: [{ file: QUIET, test: "a signal that comes while a generation's manifest is written is logged once" }],
  },
  {
    name: "stuck-computation-ignored",
    why: "a checkpointer's computation that is stuck for good (DMTCP 5.0: never running again, the app alive) is not noticed: the job logs a failed checkpoint every interval until its run limit, with no progress",
    patches: [{ file: DMTCPT, search: '    case $err in *"not in running state"*) CRJOB_CKPT_STUCK=1 ;; esac\n', replace: "" }],
    killers: [{ file: DMTCP, test: "a computation stuck for good" }],
  },
  {
    name: "waker-blind-to-the-app",
    why: "the waker does not look for the app: an app's end that bash's wait -n misses leaves the job asleep for the waker's 10 minutes",
    patches: [{ file: WATCH, search: '        kill -0 "$CRJOB_APP_PID" 2>/dev/null || break\n', replace: "" }],
    killers: [{ file: QUIET, test: "an app's end that `wait -n` misses" }],
  },
  {
    name: "job-log-unbounded",
    why: "job.log is never rotated: it grows by every run of the job for ever",
    patches: [{ file: LIB, search: '  if [ "$size" -gt 1048576 ] && mv -f "$1"', replace: '  if false && mv -f "$1"' }],
    killers: [{ file: STARTEND, test: "job.log over 1 MB becomes job.log.1" }],
  },
  {
    name: "signal-dir-left-behind",
    why: "the job's first process does not remove the dir of its signals when the work process died without its clean-up: it piles up under TMPDIR",
    patches: [{ file: SUPERVISE, search: `trap '[ ! -e "$CRJOB_SIGDIR" ] || rm -rf "$CRJOB_SIGDIR"' EXIT`, replace: "trap : EXIT" }],
    killers: [{ file: STARTEND, test: "the work process killed (kill -9)" }],
  },
  {
    name: "dmtcp-log-unbounded",
    why: "dmtcp.log is appended to without its bound: DMTCP's messages pile up in the state dir run after run",
    patches: [{ file: DMTCPT, search: 'crjob_append_bounded "$CRJOB_DMTCP_LOG" "$head"', replace: `printf '%s' "$head" >>"$CRJOB_DMTCP_LOG"` }],
    killers: [{ file: DMTCP, test: "dmtcp.log over 1 MB becomes dmtcp.log.1" }],
  },
];
