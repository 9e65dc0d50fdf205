"""Shared helpers for the crfake stand-ins: option parsing (getopt_long-like),
context file format, fault injection, call log, path relocation."""

import signal
import errno
import fcntl
import hashlib
import json
import os
import sys
import time

# BLCR allocates signal 64 (SIGRTMAX) for checkpoint requests (libcr.h CR_SIGNUM).
CR_SIGNUM = 64
NSIG = 65  # valid signals are 1..64
VERSION = "0.8.5"

# BLCR error codes (include/blcr_errcodes.h order, base 2353); the shell sees code & 0xff.
CR_ENOSUPPORT = 2356

ENV_MODE = "CRFAKE_LIBCR"        # set by cr_run: "run" or "omit"
ENV_RESTORE = "CRFAKE_RESTORE"   # set by cr_restart for the restored process only

# Names of the sockets libcr connects to when asked to checkpoint.
def request_socket_name(pid):
    return "\0crfake-ckpt-%d" % pid


# --------------------------------------------------------------------------
# getopt_long emulation (GNU semantics: permutation, "--", unique prefixes,
# "--opt=value", optional arguments only with "=")

class UsageError(Exception):
    def __init__(self, optopt=None, message=None):
        Exception.__init__(self, message or "usage")
        self.optopt = optopt


NO_ARG, REQ_ARG, OPT_ARG = 0, 1, 2


def gnu_getopt(args, shortspec, longopts):
    opts = []
    try:
        return _gnu_getopt(args, shortspec, longopts, opts)
    except UsageError as e:
        e.opts = list(opts)  # options seen before the bad one (getopt_long is sequential)
        raise


def _gnu_getopt(args, shortspec, longopts, opts):
    """shortspec: getopt string, e.g. "f:d:pq". longopts: {name: (has_arg, key)}.
    Returns (opts, positionals); opts is a list of (key, value) where key is the
    short option letter or the long option's key. '-?' yields ('?', None)."""
    shorts = {}
    i = 0
    while i < len(shortspec):
        c = shortspec[i]
        has = NO_ARG
        if i + 1 < len(shortspec) and shortspec[i + 1] == ":":
            has = REQ_ARG
            i += 1
            if i + 1 < len(shortspec) and shortspec[i + 1] == ":":
                has = OPT_ARG
                i += 1
        shorts[c] = has
        i += 1
    pos = []
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a == "--":
            pos.extend(args[i:])
            break
        if a.startswith("--"):
            body = a[2:]
            name, eq, val = body.partition("=")
            if name in longopts:
                match = name
            else:
                cands = [n for n in longopts if n.startswith(name)]
                keys = set(longopts[n] for n in cands)
                if not cands or len(keys) > 1:
                    raise UsageError(None, "unrecognized option '%s'" % a)
                match = cands[0]
            has, key = longopts[match]
            if has == NO_ARG:
                if eq:
                    raise UsageError(None, "option '--%s' doesn't allow an argument" % match)
                opts.append((key, None))
            elif has == REQ_ARG:
                if eq:
                    opts.append((key, val))
                elif i < len(args):
                    opts.append((key, args[i]))
                    i += 1
                else:
                    raise UsageError(None, "option '--%s' requires an argument" % match)
            else:
                opts.append((key, val if eq else None))
            continue
        if a.startswith("-") and a != "-":
            j = 1
            while j < len(a):
                c = a[j]
                j += 1
                if c == "?":
                    opts.append(("?", None))
                    continue
                if c not in shorts:
                    raise UsageError(c, "invalid option -- '%s'" % c)
                has = shorts[c]
                if has == NO_ARG:
                    opts.append((c, None))
                elif has == REQ_ARG:
                    if j < len(a):
                        opts.append((c, a[j:]))
                    elif i < len(args):
                        opts.append((c, args[i]))
                        i += 1
                    else:
                        raise UsageError(c, "option requires an argument -- '%s'" % c)
                    break
                else:
                    opts.append((c, a[j:] if j < len(a) else None))
                    break
            continue
        pos.append(a)
    return opts, pos


def strtol_full(s):
    """Like strtol(s, &end, 10) with the requirement that the whole string is consumed."""
    t = s.lstrip(" \t\n\r\f\v")
    if not t:
        return None
    body = t[1:] if t[0] in "+-" else t
    if not body.isdigit():
        return None
    try:
        return int(t, 10)
    except ValueError:
        return None


# --------------------------------------------------------------------------
# stderr output honouring -q

class Out:
    quiet = False

    @classmethod
    def err(cls, text):
        if not cls.quiet:
            try:
                sys.stderr.write(text)
                sys.stderr.flush()
            except Exception:
                pass


def strerror(code):
    if code == CR_ENOSUPPORT:
        return "Checkpoint support not linked into one or more processes"
    try:
        return os.strerror(code)
    except ValueError:
        return "Unknown error %d" % code


# --------------------------------------------------------------------------
# Call log (CRFAKE_LOG=FILE): one JSON object per line.

def log_event(tool, event, **fields):
    path = os.environ.get("CRFAKE_LOG")
    if not path:
        return
    rec = {"t": round(time.time(), 3), "tool": tool, "event": event, "pid": os.getpid()}
    rec.update(fields)
    line = (json.dumps(rec, sort_keys=True) + "\n").encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError:
        pass


# --------------------------------------------------------------------------
# Fault injection.  A knob KEY is read from the fault file named by
# CRFAKE_FAULTS (re-read on every call, so a running job can be changed),
# falling back to the environment variable CRFAKE_<KEY>.  In the fault file,
# "KEY=VALUE@N" applies to the next N uses only (the count is decremented in
# place); lines starting with '#' are comments.

def _parse_fault_lines(text):
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            out.append((None, raw))
            continue
        k, _, v = line.partition("=")
        k = k.strip()
        if k.startswith("CRFAKE_"):
            k = k[len("CRFAKE_"):]
        out.append((k, v.strip()))
    return out


def fault(key):
    """Return the value (string) of fault knob KEY, or None."""
    path = os.environ.get("CRFAKE_FAULTS")
    if path:
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            fd = None
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                with os.fdopen(os.dup(fd), "r") as fh:
                    text = fh.read()
                lines = _parse_fault_lines(text)
                found = None
                for idx, (k, v) in enumerate(lines):
                    if k == key:
                        val, at, count = v.partition("@")
                        if at:
                            n = strtol_full(count)
                            if n is None or n <= 0:
                                continue
                            lines[idx] = (k, "%s@%d" % (val, n - 1))
                            found = val
                            new = []
                            for kk, vv in lines:
                                if kk is None:
                                    new.append(vv)
                                elif vv.endswith("@0"):
                                    continue
                                else:
                                    new.append("%s=%s" % (kk, vv))
                            data = ("\n".join(new) + "\n").encode() if new else b""
                            os.lseek(fd, 0, os.SEEK_SET)
                            os.ftruncate(fd, 0)
                            os.write(fd, data)
                        else:
                            found = val
                        break
                if found is not None:
                    return found
            finally:
                os.close(fd)
    return os.environ.get("CRFAKE_" + key) or None


def fault_float(key):
    v = fault(key)
    if v is None:
        return None
    try:
        return float(v)
    except ValueError:
        return None


def parse_errno(v):
    """'5', 'EIO' -> 5"""
    if v is None:
        return None
    v = v.strip()
    n = strtol_full(v)
    if n is not None:
        return n
    return getattr(errno, v.upper(), None)


# --------------------------------------------------------------------------
# Context file format:
#   "CRFAKE-CONTEXT 1\n" <json body> "\nCRFAKE-END <len> <sha256(body)>\n"

MAGIC = b"CRFAKE-CONTEXT 1\n"


class CorruptContext(Exception):
    pass


def encode_context(obj):
    body = json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()
    trailer = b"\nCRFAKE-END %d %s\n" % (len(body), hashlib.sha256(body).hexdigest().encode())
    return MAGIC + body + trailer


def decode_context(data):
    if not data.startswith(MAGIC):
        raise CorruptContext("not a (crfake) BLCR context file")
    rest = data[len(MAGIC):]
    nl = rest.rfind(b"\nCRFAKE-END ")
    if nl < 0:
        raise CorruptContext("context file truncated (no end marker)")
    body = rest[:nl]
    trailer = rest[nl + 1:].strip().split()
    if len(trailer) != 3:
        raise CorruptContext("bad end marker")
    try:
        n = int(trailer[1])
    except ValueError:
        raise CorruptContext("bad end marker")
    if n != len(body) or hashlib.sha256(body).hexdigest().encode() != trailer[2]:
        raise CorruptContext("checksum mismatch")
    try:
        obj = json.loads(body.decode())
    except Exception:
        raise CorruptContext("undecodable body")
    if not isinstance(obj, dict) or not isinstance(obj.get("processes"), list):
        raise CorruptContext("bad structure")
    return obj


# --------------------------------------------------------------------------
# --relocate OLD=NEW (cr_restart.c parse_relocate_arg semantics)

MAX_RELOC = 16


class RelocError(Exception):
    pass


def parse_relocate(arg):
    s = arg
    old = None
    i = 0
    cur = []
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s) and s[i + 1] in "\\=":
            cur.append(s[i + 1])
            i += 2
            continue
        if c == "=":
            if old is None:
                old = "".join(cur)
                cur = []
                i += 1
                continue
            raise RelocError("Relocation argument '%s' contains multiple unescaped '=' characters.\n" % arg)
        cur.append(c)
        i += 1
    if old is None:
        raise RelocError("Relocation argument '%s' contains no unescaped '=' characters.\n" % arg)
    new = "".join(cur)
    if not old.startswith("/") or not new.startswith("/"):
        raise RelocError("Relocation paths must begin with '/', but have '%s'\n" % arg)
    old = "/" + old[1:].rstrip("/")
    new = "/" + new[1:].rstrip("/")
    if old == new:
        return None
    return (old, new)


def relocate(path, relocs):
    if not path or not path.startswith("/"):
        return path
    for old, new in relocs:
        if old == "/":
            return (new.rstrip("/") or "") + path if new != "/" else path
        if path == old:
            return new
        if path.startswith(old + "/"):
            return new.rstrip("/") + path[len(old):] if new != "/" else path[len(old):]
    return path


def undo_python_sigint():
    """SIGINT as a C program has it: Python turns an inherited SIG_DFL into KeyboardInterrupt, so
    put SIG_DFL back; an inherited SIG_IGN (a job script's `trap '' INT` before `exec cr_...`)
    Python leaves alone, and so do we. BLCR's cr_checkpoint.c sets no handler for INT or TERM
    (util/cr_checkpoint/cr_checkpoint.c: main, real_main), so it keeps what it inherits."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
