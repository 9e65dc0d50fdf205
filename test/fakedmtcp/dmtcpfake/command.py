"""dmtcp_command: talk to the coordinator of a computation."""

import os
import sys

from . import common as C
from .opts import Usage, parse

PROG = "dmtcp_command"
SPEC = {
    "-h": ("host", True), "--coord-host": ("host", True), "--host": ("host", True),
    "-p": ("port", True), "--coord-port": ("port", True), "--port": ("port", True),
    "-s": "status", "--status": "status", "s": "status",
    "-l": "status", "--list": "status", "l": "status",
    "-c": "c", "--checkpoint": "c", "c": "c",
    "-bc": "bc", "--bcheckpoint": "bc", "bc": "bc",
    "-kc": "kc", "--kcheckpoint": "kc", "kc": "kc",
    "-k": "k", "--kill": "k", "k": "k",
    "-q": "quit", "--quit": "quit", "q": "quit",
    "-i": ("interval", True), "--interval": ("interval", True),
    "--help": "help", "--version": "version",
}
USAGE = """Usage: dmtcp_command [-h HOST] [-p PORT] COMMAND
  -s, --status        -c, --checkpoint     -bc, --bcheckpoint (block until written)
  -kc, --kcheckpoint  -k, --kill           -q, --quit     -i, --interval SEC
"""


def main():
    argv = sys.argv[1:]
    # bare command words ("bc", "s") as the real dmtcp_command accepts them
    argv = [("-" + a) if a in ("s", "l", "c", "bc", "kc", "k", "q", "i") else a for a in argv]
    try:
        opts, rest = parse(argv, SPEC, stop_at_positional=False)
    except Usage as e:
        sys.stderr.write("%s: %s\n%s" % (PROG, e, USAGE))
        raise SystemExit(1)
    if opts.get("help"):
        sys.stdout.write(USAGE)
        return
    if opts.get("version"):
        print("dmtcp_command (DMTCP) %s" % C.VERSION)
        return
    host, port = C.coord_address()
    if opts.get("host"):
        host = "127.0.0.1" if opts["host"] == "localhost" else opts["host"]
    if opts.get("port"):
        port = int(opts["port"])
    if "interval" in opts:
        req = {"op": "interval", "sec": int(opts["interval"])}
    elif opts.get("bc"):
        req = {"op": "checkpoint", "block": True}
    elif opts.get("kc"):
        req = {"op": "checkpoint", "block": True, "kill": True}
    elif opts.get("c"):
        req = {"op": "checkpoint", "block": False}
    elif opts.get("k"):
        req = {"op": "kill"}
    elif opts.get("quit"):
        req = {"op": "quit"}
    elif opts.get("status") or not rest:
        req = {"op": "status"}
    else:
        sys.stderr.write(USAGE)
        raise SystemExit(1)
    try:
        r = C.request(host, port, req)
    except OSError:
        sys.stderr.write("%s: coordinator not found at %s:%d\n" % (PROG, host, port))
        raise SystemExit(2)
    if r is not None and r.get("notrunning"):
        # dmtcp_command.cpp, DMT_COORD_NOT_RUNNING: the same words and stream, exit 2 (-kc's own
        # words included, misleading as they are)
        if req.get("kill"):
            print("Computation was checkpointed and killed.")
            raise SystemExit(2)
        sys.stderr.write("Error, computation not in running state.  Either a checkpoint is\n"
                         " currently happening or there are no connected processes.\n")
        raise SystemExit(2)
    if r is None or not r.get("ok"):
        sys.stderr.write("%s: %s\n" % (PROG, (r or {}).get("error") or "no answer from the coordinator"))
        raise SystemExit(3)
    if req["op"] == "status":
        print("Status...")
        print("Host: %s" % r["host"])
        print("Port: %s" % r["port"])
        print("Checkpoint Interval: %s" % (r["interval"] or "disabled (checkpoint manually instead)"))
        print("Exit on last client: 1")
        print("Computation Id: %s" % r["comp"])
        print("Checkpoint Dir: %s" % r["ckptdir"])
        print("NUM_PEERS=%d" % r["peers"])
        print("RUNNING=%s" % ("yes" if r["running"] else "no"))
