// Durations in specs: "90s", "30m", "12h", "1d", and sums like "1h30m". Plain numbers are not
// accepted (is 90 seconds or minutes?) except where a field says so (the run limit).

const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Seconds, or null when `text` is not a duration. */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text.trim());
  if (!m || text.trim() === "") return null;
  const [, d, h, min, s] = m;
  return Number(d ?? 0) * UNIT.d + Number(h ?? 0) * UNIT.h + Number(min ?? 0) * UNIT.m + Number(s ?? 0);
}

/**
 * The run limit: a duration ("90m", "12h", "1d"), LSF's own "[hour:]minute" ("1:30"), or a plain
 * number of minutes as `bsub -W` takes it. Seconds are not allowed: LSF cannot express them.
 * Returns seconds (a whole number of minutes), or null.
 */
export function parseRunlimit(text: string | number): number | null {
  const t = String(text).trim();
  if (/^\d+$/.test(t)) return Number(t) * 60;
  const hm = /^(\d+):([0-5]?\d)$/.exec(t);
  if (hm) return Number(hm[1]) * 3600 + Number(hm[2]) * 60;
  const secs = parseDuration(t);
  if (secs === null || secs % 60 !== 0) return null;
  return secs;
}

/** LSF's `-W` value: "[hour:]minute". */
export function formatRunlimit(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}` : String(m);
}

/** Shortest readable form: 43200 → "12h", 5400 → "1h30m". */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  let rest = seconds;
  let out = "";
  for (const [u, n] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
    if (rest >= n) {
      out += `${Math.floor(rest / n)}${u}`;
      rest %= n;
    }
  }
  return out;
}
