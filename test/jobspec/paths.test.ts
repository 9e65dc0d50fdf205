// afterHome: the one rule for which spec paths expand at run time (the script quotes all but the
// prefix; `crjob status` and `clean` expand the same prefixes on the submit host).
import { describe, expect, it } from "vitest";
import { afterHome, DEFAULT_STATE_ROOT } from "../../src/jobspec/paths.js";

describe("afterHome", () => {
  const cases: [string, string | null][] = [
    ["~", ""], ["$HOME", ""], ["${HOME}", ""],
    ["~/x", "/x"], ["$HOME/x/y", "/x/y"], ["${HOME}/", "/"],
    ["~user/x", null], ["$HOMEDIR/x", null], ["${HOME}x", null], ["/home/x", null], ["x/~", null], ["x$HOME", null], ["", null],
  ];
  it.each(cases)("%j → %j", (path, want) => expect(afterHome(path)).toBe(want));

  it("the default state root is under the home", () => {
    expect(DEFAULT_STATE_ROOT).toBe("$HOME/.crjob");
    expect(afterHome(DEFAULT_STATE_ROOT)).toBe("/.crjob");
  });
});
