// Durations and run limits at their boundaries: text around a valid value, a minute's worth of
// seconds, the hour boundary of LSF's -W, and each unit of the shortest form.
import { describe, expect, it } from "vitest";
import { formatDuration, formatRunlimit, parseDuration, parseRunlimit } from "../../src/jobspec/duration.js";

describe("parseDuration: edges", () => {
  const cases: [string, number | null][] = [
    ["   ", null], ["x5m", null], ["5mx", null], ["5m5", null], ["1d1d", null], ["h", null], ["1s1m", null],
    ["2d", 172800], ["3h", 10800], ["4m", 240], ["5s", 5], ["10d0s", 864000], ["007m", 420],
  ];
  it.each(cases)("%j → %s", (text, want) => expect(parseDuration(text)).toBe(want));
});

describe("parseRunlimit: edges", () => {
  const cases: [string | number, number | null][] = [
    ["90x", null], ["x90", null], [" 90 ", 5400], ["1:5", 3900], ["1:7", 4020], ["1:59", 7140], ["1:05x", null], ["x1:05", null], ["1:", null], [":30", null],
    ["0", 0], ["60s", 60], ["1d1m", 86460], ["1h59s", null],
  ];
  it.each(cases)("%j → %s", (text, want) => expect(parseRunlimit(text)).toBe(want));
});

describe("formatRunlimit / formatDuration: edges", () => {
  const limits: [number, string][] = [[0, "0"], [60, "1"], [3540, "59"], [3599, "1:00"], [3660, "1:01"], [3630, "1:01"], [36000, "10:00"]];
  it.each(limits)("-W for %ss is %s", (secs, want) => expect(formatRunlimit(secs)).toBe(want));
  const durations: [number, string][] = [[1, "1s"], [59, "59s"], [60, "1m"], [3600, "1h"], [86400, "1d"], [86401, "1d1s"], [172800, "2d"], [7260, "2h1m"]];
  it.each(durations)("%ss is %s", (secs, want) => expect(formatDuration(secs)).toBe(want));
});
