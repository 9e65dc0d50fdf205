import { describe, expect, it } from "vitest";
import { formatDuration, formatRunlimit, parseDuration, parseRunlimit } from "../../src/jobspec/duration.js";

describe("parseDuration", () => {
  const cases: [string, number | null][] = [
    ["90s", 90], ["30m", 1800], ["12h", 43200], ["1d", 86400], ["1h30m", 5400], ["1d2h3m4s", 93784],
    [" 5m ", 300], ["0s", 0],
    ["", null], ["90", null], ["1.5h", null], ["30m1h", null], ["90 min", null], ["1w", null], ["-5m", null],
  ];
  it.each(cases)("%j → %s", (text, want) => expect(parseDuration(text)).toBe(want));
});

describe("parseRunlimit", () => {
  const cases: [string | number, number | null][] = [
    [90, 5400], ["90", 5400], ["1:30", 5400], ["0:05", 300], ["12h", 43200], ["90m", 5400], ["1d", 86400],
    ["120s", 120], ["90s", null], ["1h30s", null], ["1:60", null], ["abc", null], ["", null],
  ];
  it.each(cases)("%j → %s", (text, want) => expect(parseRunlimit(text)).toBe(want));
});

describe("formatRunlimit / formatDuration", () => {
  const limits: [number, string][] = [[300, "5"], [3600, "1:00"], [5400, "1:30"], [86400, "24:00"]];
  it.each(limits)("-W for %ss is %s", (secs, want) => expect(formatRunlimit(secs)).toBe(want));
  const durations: [number, string][] = [[0, "0s"], [90, "1m30s"], [5400, "1h30m"], [43200, "12h"], [90061, "1d1h1m1s"]];
  it.each(durations)("%ss is %s", (secs, want) => expect(formatDuration(secs)).toBe(want));
  it("round-trips", () => {
    for (const secs of [1, 59, 60, 3599, 86400, 123456]) expect(parseDuration(formatDuration(secs))).toBe(secs);
  });
});
