"""A filter (tee, cat, sed) of a restored computation: started by the replayed root shell through
restore-bin/<name>. If the restore dir has an unclaimed image of that filter with the same
arguments, it is that filter restored: its output files are reopened by the paths and at the
offsets they had at checkpoint time (the wrapper's own arguments are not used for that, as DMTCP
does not run the program again), and it copies its stdin on until EOF. Otherwise the real program
runs."""

import json
import os
import sys

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from dmtcpfake import common as C  # noqa: E402


def real(name, args):
    path = [p for p in os.environ.get("PATH", "").split(":") if os.path.realpath(p or ".") != os.path.realpath(C.RESTORE_BIN)]
    os.environ["PATH"] = ":".join(path)
    os.environ.pop(C.ENV_RESTORE, None)
    os.execvp(name, [name] + args)


def claim(rdir, name, args):
    try:
        names = sorted(os.listdir(rdir))
    except OSError:
        return None
    for n in names:
        if not n.endswith(".json"):
            continue
        path = os.path.join(rdir, n)
        try:
            with open(path) as fh:
                rec = json.load(fh)
        except (OSError, ValueError):
            continue
        if rec.get("kind") != "filter" or rec.get("prog") != name or rec.get("argv", [])[1:] != args:
            continue
        try:
            os.rename(path, path + ".claimed")
        except OSError:
            continue
        return rec
    return None


def main():
    name, args = sys.argv[1], sys.argv[2:]
    rdir = os.environ.get(C.ENV_RESTORE)
    rec = claim(rdir, name, args) if rdir else None
    if rec is None:
        real(name, args)
    os.environ.pop(C.ENV_RESTORE, None)
    C.restore_warning(rec, dict(e.split("=", 1) for e in rec.get("env", []) if "=" in e))
    outs = [1]
    for f in rec.get("fds", []):
        if f["fd"] < 3 or f.get("kind") != "regular" or (f["flags"] & 3) == os.O_RDONLY:
            continue
        flags = f["flags"] & ~(os.O_CREAT | os.O_TRUNC | os.O_EXCL)
        try:
            fd = os.open(f["path"], flags)
        except OSError as e:
            sys.stderr.write("[fake DMTCP] restart: cannot reopen %s: %s\n" % (f["path"], e.strerror))
            os._exit(C.FAIL_RC)
        if not f["flags"] & os.O_APPEND:
            os.lseek(fd, f["pos"], os.SEEK_SET)
        if fd != f["fd"]:
            os.dup2(fd, f["fd"])
            os.close(fd)
        outs.append(f["fd"])
    host, port = C.coord_address()
    try:
        s = C.connect(host, port)
        C.send(s, {"op": "hello", "pid": os.getpid(), "vpid": rec.get("vpid"), "kind": "filter",
                   "image": {k: rec[k] for k in ("id", "prog", "argv", "exe")}})
        C.LineReader(s).read(10)
    except (OSError, ValueError):
        os._exit(C.FAIL_RC)
    if name == "sed":
        # Saved only when it had passed on all it read (drained), so nothing of it is in flight:
        # the real sed, same arguments, on the replayed pipeline's stdin and stdout, is the same.
        real(name, args)
    if name == "cat":
        outs = [1]
    dead = set()
    while True:
        try:
            data = os.read(0, 65536)
        except InterruptedError:
            continue
        if not data:
            break
        for fd in outs:
            if fd in dead:
                continue
            view = memoryview(data)
            try:
                while view:
                    view = view[os.write(fd, view):]
            except OSError:
                dead.add(fd)
        if 1 in dead and name == "cat":
            os._exit(1)
    os._exit(0)


if __name__ == "__main__":
    main()
