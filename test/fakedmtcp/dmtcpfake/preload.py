"""Inside every Python process of a fake DMTCP computation (loaded by preload/sitecustomize.py).

- Restart: claims its image (dmtcp_restart's restore dir), reopens the regular files it had open at
  their saved numbers and offsets, restores its environment, hands its state to crfake's libcr
  (CRFAKE_RESTORE) and keeps its old getpid() (DMTCP virtualizes PIDs).
- Installs the handler of DMTCP's checkpoint signal (SIGUSR2 unless --ckpt-signal): an external
  kill of that signal asks the coordinator for a checkpoint of the whole computation. The app
  cannot change that handler (DMTCP hides its signal from the app), even if it was ignored.
- Stays connected to the coordinator: "kill" (dmtcp_command -k/-kc) ends the process with status 0;
  the coordinator dying uncleanly ends it with 99.
"""

import json
import os
import signal
import socket
import sys
import threading

from . import common as C

_state = {"image": None, "vpid": None}


def _argv():
    with open("/proc/self/cmdline", "rb") as fh:
        parts = fh.read().split(b"\0")
    if parts and parts[-1] == b"":
        parts.pop()
    return [p.decode("utf-8", "surrogateescape") for p in parts]


def _claim(rdir):
    me = os.environ.pop(C.ENV_SELF, None)
    argv = _argv()
    try:
        names = sorted(os.listdir(rdir))
    except OSError:
        return None
    for name in names:
        if not name.endswith(".json"):
            continue
        path = os.path.join(rdir, name)
        try:
            with open(path) as fh:
                rec = json.load(fh)
        except (OSError, ValueError):
            continue
        if me:
            if rec["id"] != me:
                continue
        elif rec.get("kind") != "coop" or rec.get("argv") != argv:
            continue
        try:
            os.rename(path, path + ".claimed")
        except OSError:
            continue  # another process took it
        return rec
    return None


def _reopen(rec):
    done = {}
    for f in rec.get("fds", []):
        n = f["fd"]
        if n < 3 and f.get("stdio", True):
            continue  # the stdin/stdout/stderr dmtcp_launch had: dmtcp_restart's stay (see restart.py)
        if f.get("kind") != "regular":
            continue
        if "dup_of" in f and f["dup_of"] in done:
            os.dup2(done[f["dup_of"]], n)
            continue
        flags = f["flags"] & ~(os.O_CREAT | os.O_TRUNC | os.O_EXCL) & ~0o2000000
        try:
            fd = os.open(f["path"], flags)
        except OSError as e:
            sys.stderr.write("[fake DMTCP] restart: cannot reopen %s: %s\n" % (f["path"], e.strerror))
            os._exit(C.FAIL_RC)
        if not f["flags"] & os.O_APPEND:
            os.lseek(fd, f["pos"], os.SEEK_SET)
        if fd != n:
            os.dup2(fd, n, inheritable=not f["flags"] & 0o2000000)
            os.close(fd)
        else:
            os.set_inheritable(n, not f["flags"] & 0o2000000)
        done[n] = n


def _restore():
    rdir = os.environ.pop(C.ENV_RESTORE, None)
    if not rdir:
        return
    rec = _claim(rdir)
    if rec is None:
        return  # a new process, started after the restart
    keep = {k: os.environ[k] for k in ("DMTCP_COORD_HOST", "DMTCP_COORD_PORT", C.ENV_COMP, C.ENV_TMP) if k in os.environ}
    env = dict(e.split("=", 1) for e in rec["env"] if "=" in e)
    os.environ.clear()
    os.environ.update(env)
    os.environ.update(keep)
    _reopen(rec)
    C.restore_warning(rec, env)  # to its own fd 2, as real DMTCP (common.py): a Python app started by exec
    os.environ["CRFAKE_RESTORE"] = json.dumps({"state": rec.get("state")})  # for libcr.init()
    vpid = int(rec.get("vpid") or os.getpid())
    real_getpid = os.getpid
    os.getpid = lambda: vpid
    os.register_at_fork(after_in_child=lambda: setattr(os, "getpid", real_getpid))
    _state["image"] = {k: rec[k] for k in ("id", "prog", "argv", "exe") if k in rec}
    _state["vpid"] = vpid


def _request_checkpoint():
    try:
        host, port = C.coord_address()
        C.request(host, port, {"op": "checkpoint", "block": False}, timeout=5)
    except (OSError, ValueError):
        pass


def _on_ckpt_signal(signum, frame):
    threading.Thread(target=_request_checkpoint, daemon=True).start()


def _guard_signal(sig):
    real = signal.signal

    def wrapped(signalnum, handler):
        if signalnum == sig:
            return signal.SIG_DFL  # DMTCP keeps its signal; the app's handler is never installed
        return real(signalnum, handler)

    signal.signal = wrapped


def _coordinator_link():
    host, port = C.coord_address()
    try:
        s = C.connect(host, port)
        C.send(s, {"op": "hello", "pid": _real_pid, "vpid": _state["vpid"] or _real_pid,
                   "kind": "coop", "image": _state["image"]})
        rd = C.LineReader(s)
        rd.read(10)
    except (OSError, ValueError):
        sys.stderr.write("[fake DMTCP] cannot connect to the coordinator at %s:%d\n" % (host, port))
        os._exit(C.FAIL_RC)

    def watch():
        try:
            while True:
                msg = rd.read()
                if msg is None:
                    break
                if msg.get("op") == "kill":
                    os._exit(0)
        except (OSError, ValueError):
            pass
        os._exit(C.FAIL_RC)  # the coordinator died

    threading.Thread(target=watch, daemon=True).start()


_real_pid = os.getpid()


def start():
    _restore()
    sig = int(os.environ.get(C.ENV_SIG) or C.DEFAULT_SIGCKPT)
    signal.signal(sig, _on_ckpt_signal)
    _guard_signal(sig)
    _coordinator_link()
