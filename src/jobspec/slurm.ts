// Slurm: how the spec's scheduler fields become #SBATCH lines (normalize.ts) and which sbatch
// options slurm.extra may hold (rules.ts). What Slurm does with them was observed on Slurm 22.05
// (../shared/reference/slurm.md); option names are sbatch(1)'s.

/** LSF file-name patterns in lsf.output/lsf.error, rewritten for sbatch -o/-e. */
export function slurmFileName(lsfName: string, array: boolean): string {
  // LSF: %J = job id (an array's one id), %I = array index; any other "%" is literal.
  // Slurm: %j = job id (an array element's own), %A = the array's id, %a = array index, %% = "%".
  return lsfName.replace(/%([JI])?/g, (_m, c: string | undefined) => {
    if (c === "J") return array ? "%A" : "%j";
    if (c === "I") return "%a";
    return "%%";
  });
}

/**
 * A #SBATCH value: sbatch reads a directive's words as a shell would only for quotes (it strips
 * one level of "..." or '...'), so a value with spaces or shell characters is quoted.
 */
export function sbatchWord(value: string): string {
  if (/[\r\n\0]/.test(value)) throw new Error(`#SBATCH value with a line break: ${JSON.stringify(value)}`);
  if (/^[A-Za-z0-9_@%+=:,./\[\]-]+$/.test(value)) return value;
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

/** sbatch options crjob writes itself (long and short names), and the spec field that sets each. */
export const SLURM_CONTROLLED: Record<string, string> = {
  "--job-name": "the field name",
  "-J": "the field name",
  "--partition": "the field queue (the partition)",
  "-p": "the field queue (the partition)",
  "--ntasks": "the field slots",
  "-n": "the field slots",
  "--output": "the field lsf.output",
  "-o": "the field lsf.output",
  "--error": "the field lsf.error",
  "-e": "the field lsf.error",
  "--time": "the field lsf.runlimit",
  "-t": "the field lsf.runlimit",
  "--array": "the field array",
  "-a": "the field array",
  "--open-mode": "nothing: crjob appends (a requeued job keeps its first run's lines)",
  "--signal": "the field lsf.warning",
  "--requeue": "the field lsf.rerunnable",
  "--no-requeue": "the field lsf.rerunnable",
  "--chdir": "nothing: the job starts in the submit dir and crjob stages from there",
  "-D": "nothing: the job starts in the submit dir and crjob stages from there",
  "--parsable": "nothing: crjob submit adds it",
  "--wrap": "nothing: the script is the job",
};

/**
 * One slurm.extra entry: one sbatch option, "--mem=4000", "--mem 4000" or "-A proj", not one
 * crjob sets. Returns the problem and the character it is at, or null.
 */
export function checkSbatchOption(entry: string): { message: string; hint?: string; index: number } | null {
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f]/.exec(entry);
  if (control) return { message: "must be one line without control characters", index: control.index };
  const lead = entry.length - entry.trimStart().length;
  const m = /^(--[A-Za-z][A-Za-z0-9-]*|-[A-Za-z])(?:(=|\s+)(.*))?$/.exec(entry.trim());
  if (!m) {
    return { message: `${JSON.stringify(entry)} is not an sbatch option`, hint: 'one option with its value, e.g. "--mem=4000" or "-A myproject"', index: lead };
  }
  const [, option, sep, value] = m as unknown as [string, string, string | undefined, string | undefined];
  if (SLURM_CONTROLLED[option]) {
    const field = SLURM_CONTROLLED[option]!;
    return { message: `${option} is set by crjob`, hint: field.startsWith("nothing") ? field.replace(/^nothing: /, "") : `use ${field} instead`, index: lead };
  }
  if (sep === "=" && !option.startsWith("--")) {
    // getopt: a short option's value starts right after it, so "-A=proj" is the account "=proj"
    // (seen on Slurm 22.05: "#SBATCH -J=abc" names the job "=abc").
    return { message: `${option}= gives ${option} a value starting with "="`, hint: `"${option} ${value ?? ""}"`, index: lead + option.length };
  }
  if (value !== undefined && (sep === "=" ? /\s-/ : /(^|\s)-/).test(value)) {
    const at = entry.indexOf(" -", lead + option.length);
    return { message: "holds more than one option", hint: "one option per entry", index: at >= 0 ? at + 1 : lead };
  }
  if (value !== undefined && value.includes('"') && value.includes("'")) {
    return { message: "cannot hold both ' and \" (a #SBATCH line takes one quoting style)", index: lead + option.length };
  }
  return null;
}
