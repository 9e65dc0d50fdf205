// Node's built-in modules that take start-up time to load (child_process, crypto, readline: 1.5 to
// 6 ms each on the development VM), loaded where first used, not by an import at the top: the
// bundle runs a module's imports when the module is first needed, so an import at the top of the
// status code loaded child_process and crypto for `crjob status` with no job to ask about, and a
// usage error of `crjob run` loaded the whole run-local graph (bench/run.mjs, cold start).
export const childProcess = () => process.getBuiltinModule("node:child_process");
export const crypto = () => process.getBuiltinModule("node:crypto");
export const readline = () => process.getBuiltinModule("node:readline");
