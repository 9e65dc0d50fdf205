"""Command-line parsing shared by the stand-ins: long options with "=VALUE" or a separate word."""

import sys


class Usage(Exception):
    pass


def parse(argv, spec, stop_at_positional):
    """spec: {"--name": key-or-(key, takes_value)}; short aliases are just more entries.
    Returns (opts dict, rest). With stop_at_positional, parsing ends at the first non-option
    (the program of dmtcp_launch); otherwise positionals are collected."""
    opts, rest = {}, []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            rest.extend(argv[i + 1:])
            break
        if not a.startswith("-") or a == "-":
            if stop_at_positional:
                rest.extend(argv[i:])
                break
            rest.append(a)
            i += 1
            continue
        name, eq, val = a.partition("=") if a.startswith("--") else (a, "", "")
        if name not in spec:
            raise Usage("unknown option %s" % a)
        key, takes = spec[name] if isinstance(spec[name], tuple) else (spec[name], False)
        if takes:
            if not eq:
                i += 1
                if i >= len(argv):
                    raise Usage("option %s needs a value" % name)
                val = argv[i]
            opts[key] = val
        else:
            if eq:
                raise Usage("option %s takes no value" % name)
            opts[key] = True
        i += 1
    return opts, rest


def die(prog, text, code):
    sys.stderr.write("%s: %s\n" % (prog, text))
    sys.stderr.flush()
    raise SystemExit(code)
