import type Handlebars from "handlebars";
import { formatDuration } from "../jobspec/duration.js";
import { shellPath, shellQuote } from "./quote.js";

/** Template helpers. Every value that came from a user goes through `sh` or `shpath`. */
export function registerHelpers(hb: typeof Handlebars): void {
  hb.registerHelper("sh", (v: unknown) => shellQuote(String(v)));
  hb.registerHelper("shpath", (v: unknown) => shellPath(String(v)));
  /** A bash array body: ( 'a' 'b c' ). */
  hb.registerHelper("sharray", (v: unknown) => {
    const items = (v as unknown[] | null | undefined) ?? [];
    return items.length ? `(${items.map((x) => " " + shellQuote(String(x))).join("")} )` : "()";
  });
  /** Text inside a `#` comment: control characters (a newline would end the comment) shown escaped. */
  hb.registerHelper("comment", (v: unknown) =>
    String(v).replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`),
  );
  hb.registerHelper("duration", (v: unknown) => formatDuration(Number(v)));
  hb.registerHelper("eq", (a: unknown, b: unknown) => a === b);
  hb.registerHelper("ne", (a: unknown, b: unknown) => a !== b);
  hb.registerHelper("or", (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hb.registerHelper("and", (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hb.registerHelper("concat", (...args: unknown[]) => args.slice(0, -1).map(String).join(""));
  hb.registerHelper("num", (v: unknown) => (v === null || v === undefined ? 0 : Number(v)));
}
