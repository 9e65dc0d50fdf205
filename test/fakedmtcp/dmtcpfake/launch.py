"""dmtcp_launch: start a coordinator (or join one), register this process as a root of the
computation, and exec the app in place (same PID)."""

import os
import sys
import time

from . import common as C
from . import coordinator
from .opts import Usage, die, parse

PROG = "dmtcp_launch"
SPEC = {
    "-h": ("host", True), "--coord-host": ("host", True), "--host": ("host", True),
    "-p": ("port", True), "--coord-port": ("port", True), "--port": ("port", True),
    "--port-file": ("port_file", True),
    "-j": "join", "--join-coordinator": "join", "--join": "join",
    "--new-coordinator": "new", "--new": "new",
    "-i": ("interval", True), "--interval": ("interval", True),
    "--ckptdir": ("ckptdir", True), "--tmpdir": ("tmpdir", True),
    "--ckpt-signal": ("sig", True),
    "-q": "quiet", "--quiet": "quiet",
    "--no-gzip": "nogzip", "--gzip": "gzip", "--help": "help", "--version": "version",
    "--with-plugin": ("plugin", True), "--disable-alloc-plugin": "x", "--disable-dl-plugin": "x",
    "--no-coordinator": "nocoord",
}

USAGE = """Usage: dmtcp_launch [OPTIONS] <command> [args...]
Start a process under DMTCP control (fake: see test/fakedmtcp/README.md).
  -h, --coord-host H     coordinator host (127.0.0.1)
  -p, --coord-port P     coordinator port (7779; 0 = any free port)
  --port-file F          write the coordinator's port to F
  -j, --join-coordinator join a running coordinator
  --new-coordinator      start a new coordinator
  -i, --interval SEC     checkpoint every SEC seconds
  --ckptdir D            where images are written (default: current directory)
  --tmpdir D             where DMTCP writes its temporary files and logs
  --ckpt-signal N        signal used for checkpoints (default 12, SIGUSR2)
  -q, --quiet
"""


def main():
    try:
        opts, rest = parse(sys.argv[1:], SPEC, stop_at_positional=True)
    except Usage as e:
        sys.stderr.write("%s: %s\n%s" % (PROG, e, USAGE))
        raise SystemExit(1)
    if opts.get("help"):
        sys.stdout.write(USAGE)
        return
    if opts.get("version"):
        print("dmtcp_launch (DMTCP) %s" % C.VERSION)
        return
    if not rest:
        sys.stderr.write(USAGE)
        raise SystemExit(1)
    if opts.get("nocoord"):
        die(PROG, "--no-coordinator is not emulated", 1)
    tmpdir = C.tmpdir_from(opts.get("tmpdir"))
    host = opts.get("host") or os.environ.get("DMTCP_COORD_HOST") or "127.0.0.1"
    if host == "localhost":
        host = "127.0.0.1"
    try:
        sig = C.signum(opts.get("sig") or os.environ.get("DMTCP_SIGCKPT") or C.DEFAULT_SIGCKPT)
        port = int(opts.get("port") or os.environ.get("DMTCP_COORD_PORT") or os.environ.get("DMTCP_PORT") or C.DEFAULT_PORT)
        interval = int(opts.get("interval") or os.environ.get("DMTCP_CHECKPOINT_INTERVAL") or 0)
    except (ValueError, AttributeError) as e:
        die(PROG, "bad option value: %s" % e, 1)
    ckptdir = opts.get("ckptdir") or os.environ.get("DMTCP_CHECKPOINT_DIR") or "."
    C.log(tmpdir, "dmtcp_launch.log", "launch %r" % (rest,))

    if opts.get("join"):
        try:
            C.request(host, port, {"op": "status"}, timeout=5)
        except OSError:
            die(PROG, "coordinator not found at %s:%d (-j needs a running coordinator)" % (host, port), C.FAIL_RC)
    else:
        try:
            port = coordinator.start(port, tmpdir, opts.get("port_file"))
        except OSError as e:
            die(PROG, "dmtcp_coordinator: bind to port %d failed: %s (errno %d)" % (port, e.strerror, e.errno), C.FAIL_RC)
    if opts.get("join") and opts.get("port_file"):
        C.write_atomic(opts["port_file"], "%d\n" % port)

    comp = "%s-%d-%x" % (coordinator._hostid(), os.getpid(), int(time.time() * 1e6))
    try:
        r = C.request(host, port, {"op": "launch", "pid": os.getpid(), "comp": comp, "ckptdir": ckptdir,
                                   "cwd": os.getcwd(), "sig": sig, "interval": interval,
                                   "stdio": C.stdio_links()}, timeout=10)
    except OSError as e:
        die(PROG, "cannot register with the coordinator: %s" % e, C.FAIL_RC)
    comp = (r or {}).get("comp") or comp

    env = dict(os.environ)
    # dmtcp_launch.cpp: DMTCP_QUIET defaults to "0" and each -q adds 1; the computation inherits it.
    own = sys.argv[1:len(sys.argv) - len(rest)]  # its own options, not the app's
    env["DMTCP_QUIET"] = str(C.quiet_level(env) + sum(1 for a in own if a in ("-q", "--quiet")))
    for k in ("CRFAKE_RESTORE", C.ENV_RESTORE, C.ENV_SELF):
        env.pop(k, None)
    env.update({
        "DMTCP_COORD_HOST": host, "DMTCP_COORD_PORT": str(port), C.ENV_COMP: comp, C.ENV_SIG: str(sig),
        C.ENV_TMP: tmpdir, "CRFAKE_LIBCR": "run",
        "PYTHONPATH": C.PRELOAD_DIR + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
    })
    C.event("launch", argv=rest, port=port, comp=comp)
    try:
        os.execvpe(rest[0], rest, env)
    except OSError as e:
        die(PROG, "cannot exec %s: %s" % (rest[0], e.strerror), C.FAIL_RC)
