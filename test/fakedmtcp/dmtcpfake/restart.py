"""dmtcp_restart: restore a computation from ALL its images and exec into its root process.

Checks first (nothing is started when one fails, exit 99): every image readable and of one
computation, the set complete (the fake is stricter than DMTCP here, which replays from the wrong
point), the `_files` copies at the path they had at checkpoint time, the directory of every open
regular file. Then regular files open for writing are cut back to their checkpoint-time size (a
missing one is recreated, zero-filled), a coordinator is started (or joined), and this process
execs into the root: same PID. Not restored: fds 0/1/2 (the root gets dmtcp_restart's own), the
working directory (dmtcp_restart's). Restored: the environment, the other open regular files (at
their offsets), the app's state (through crfake's libcr), getpid(). A root that was an orphan
makes dmtcp_restart double-fork and return 0 at once.
"""

import json
import os
import sys
import time

from . import common as C
from . import coordinator
from .opts import Usage, die, parse

PROG = "dmtcp_restart"
SPEC = {
    "-h": ("host", True), "--coord-host": ("host", True), "--host": ("host", True),
    "-p": ("port", True), "--coord-port": ("port", True), "--port": ("port", True),
    "--port-file": ("port_file", True),
    "-j": "join", "--join-coordinator": "join", "--join": "join",
    "--new-coordinator": "new", "--new": "new",
    "-i": ("interval", True), "--interval": ("interval", True),
    "--ckptdir": ("ckptdir", True), "--tmpdir": ("tmpdir", True),
    "-q": "quiet", "--quiet": "quiet", "--no-strict-checking": "nostrict",
    "--help": "help", "--version": "version",
}
USAGE = """Usage: dmtcp_restart [OPTIONS] <ckpt1.dmtcp> [ckpt2.dmtcp...]
Restart processes from checkpoint images (fake: see test/fakedmtcp/README.md).
  -h, --coord-host H  -p, --coord-port P (0 = any free port)  --port-file F
  -j, --join-coordinator  --new-coordinator  -i, --interval SEC
  --ckptdir D (default: the checkpoint dir saved in the images)  --tmpdir D  -q  --no-strict-checking
"""


def fail(text):
    die(PROG, text, C.FAIL_RC)


def check_files(recs, quiet):
    for rec in recs:
        for f in rec.get("files", []):
            if not os.path.exists(f["copy"]):
                fail("Unable to find checkpointed copy of file %s (expected at %s)" % (f["orig"], f["copy"]))
    copied = {(rec["id"], f.get("fd")) for rec in recs for f in rec.get("files", []) if "fd" in f}
    for rec in recs:
        for f in rec.get("fds", []):
            if f["fd"] < 3 and f.get("stdio", True):
                continue  # the stdin/stdout/stderr it was started with are not restored: dmtcp_restart's
            if f.get("kind") != "regular" or f.get("unlinked") or "dup_of" in f:
                continue
            path, acc = f["path"], f["flags"] & 3
            if not os.path.isdir(os.path.dirname(path) or "/"):
                fail("cannot restore open file %s: its directory does not exist" % path)
            exists = os.path.exists(path)
            if acc == os.O_RDONLY:
                if not exists and (rec["id"], f["fd"]) not in copied:
                    fail("cannot restore open file %s: No such file or directory" % path)
                continue
            if not exists:
                if acc == os.O_RDWR:
                    fail("cannot restore open file %s: No such file or directory" % path)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT, f.get("mode", 0o644))
                os.ftruncate(fd, f["size"])  # DMTCP recreates it zero-filled: NUL bytes
                os.close(fd)
                continue
            size = os.stat(path).st_size
            if size > f["size"]:
                os.truncate(path, f["size"])
            elif size < f["size"] and not quiet:
                sys.stderr.write("[fake DMTCP] warning: %s is shorter than at checkpoint time (%d < %d bytes)\n"
                                 % (path, size, f["size"]))


def hang(path):
    """A truncated image (gzip stream cut short): real DMTCP 5.0 printed these and never got the
    computation going, and never exited either: the job ran until killed (dmtcp.md, last section)."""
    sys.stderr.write("gzip: stdin: unexpected end of file\n")
    sys.stderr.write("[fake DMTCP] mtcp_util.c:925 mmap_fixed_noreplace: error 17 mapping %s: colliding with existing region\n" % path)
    sys.stderr.flush()
    while True:
        time.sleep(3600)


def main():
    try:
        opts, paths = parse(sys.argv[1:], SPEC, stop_at_positional=False)
    except Usage as e:
        sys.stderr.write("%s: %s\n%s" % (PROG, e, USAGE))
        raise SystemExit(1)
    if opts.get("help"):
        sys.stdout.write(USAGE)
        return
    if opts.get("version"):
        print("dmtcp_restart (DMTCP) %s" % C.VERSION)
        return
    if not paths:
        sys.stderr.write(USAGE)
        raise SystemExit(1)
    tmpdir = C.tmpdir_from(opts.get("tmpdir"))
    imgs = []
    for p in paths:
        try:
            imgs.append(C.read_image(p))
        except C.TruncatedImage:
            hang(p)
        except C.BadImage as e:
            fail(str(e))
    comps = {im["computation"] for im in imgs}
    if len(comps) != 1:
        fail("images of different computations given")
    recs = [im["proc"] for im in imgs]
    names = ["ckpt_%s_%s.dmtcp" % (r["prog"], r["id"]) for r in recs]
    if len(set(names)) != len(names):
        fail("the same image given twice")
    missing = sorted(set(imgs[0]["members"]) - set(names))
    if missing:
        fail("incomplete set of images (fake DMTCP: give dmtcp_restart every image of the checkpoint); missing: %s"
             % " ".join(missing))
    ids = {r["id"] for r in recs}
    roots = [r for r in recs if r.get("parent") not in ids]
    if len(roots) != 1:
        fail("the fake restores one process tree; these images have %d roots" % len(roots))
    root = roots[0]
    if root["kind"] not in ("coop", "shell"):
        fail("the fake cannot restore a %s as the root process" % root["prog"])

    err = C.parse_errno(C.fault("RESTART_FAIL"))
    if err:
        fail("restart failed: %s" % os.strerror(err))
    check_files(recs, opts.get("quiet"))
    # dmtcprestartinternal.cpp: each -q adds 1 to DMTCP_QUIET; below 2, root gets this warning on
    # dmtcp_restart's own stderr unless --no-strict-checking (seen as root on DMTCP 5.0; the real one
    # prints it before reading the images, the fake once they passed its checks).
    quiet = C.quiet_level(os.environ) + sum(1 for a in sys.argv[1:] if a in ("-q", "--quiet"))
    if (os.getuid() == 0 or os.geteuid() == 0) and not opts.get("nostrict") and quiet < 2:
        sys.stderr.write("WARNING:  Running dmtcp_restart as root can be dangerous.\n"
                         "  An unknown checkpoint image or bugs in DMTCP may lead to unforeseen\n"
                         "  consequences.  Continuing as root ....\n")
        sys.stderr.flush()
    delay = C.fault_float("RESTART_DELAY")

    host = opts.get("host") or "127.0.0.1"
    if host == "localhost":
        host = "127.0.0.1"
    port = int(opts.get("port") or os.environ.get("DMTCP_COORD_PORT") or os.environ.get("DMTCP_PORT") or C.DEFAULT_PORT)
    if opts.get("join"):
        try:
            C.request(host, port, {"op": "status"}, timeout=5)
        except OSError:
            fail("coordinator not found at %s:%d" % (host, port))
        if opts.get("port_file"):
            C.write_atomic(opts["port_file"], "%d\n" % port)
    else:
        try:
            port = coordinator.start(port, tmpdir, opts.get("port_file"))
        except OSError as e:
            fail("dmtcp_coordinator: bind to port %d failed: %s (errno %d)" % (port, e.strerror, e.errno))

    rdir = os.path.join(C.user_host_dir(tmpdir), "restore.%d.%d" % (os.getpid(), int(time.time() * 1000)))
    os.makedirs(rdir)
    for r in recs:
        with open(os.path.join(rdir, r["id"] + ".json"), "w") as fh:
            json.dump(r, fh)

    if root.get("orphan"):
        if os.fork() != 0:
            os._exit(0)  # as DMTCP: the restored orphan runs on, detached; dmtcp_restart returns 0
        os.setsid()
    if delay:
        time.sleep(delay)
    summary = [{k: r.get(k) for k in ("id", "prog", "kind", "argv", "exe", "vpid")} for r in recs]
    try:
        C.request(host, port, {"op": "restart", "pid": os.getpid(), "comp": imgs[0]["computation"], "root": root["id"],
                               "images": summary, "restore_dir": rdir, "cwd": os.getcwd(), "stdio": C.stdio_links(),
                               "ckptdir": opts.get("ckptdir") or imgs[0]["ckptdir"],
                               "sig": imgs[0].get("sig"), "interval": int(opts.get("interval") or imgs[0].get("interval") or 0)},
                  timeout=10)
    except OSError as e:
        fail("cannot register with the coordinator: %s" % e)

    env = dict(e.split("=", 1) for e in root["env"] if "=" in e)
    env.update({"DMTCP_COORD_HOST": host, "DMTCP_COORD_PORT": str(port), C.ENV_COMP: imgs[0]["computation"],
                C.ENV_TMP: tmpdir, C.ENV_RESTORE: rdir})
    if C.PRELOAD_DIR not in env.get("PYTHONPATH", "").split(":"):
        env["PYTHONPATH"] = C.PRELOAD_DIR + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if root["kind"] == "coop":
        env[C.ENV_SELF] = root["id"]
    else:
        env["PATH"] = C.RESTORE_BIN + ":" + env.get("PATH", "/usr/bin:/bin")
    C.event("restart", root=root["id"], images=len(recs), port=port)
    if root["kind"] != "coop":
        sys.stderr.flush()
        C.restore_warning(root, env, root=True)  # the root shell restored: dmtcp_restart's own stderr
    try:
        os.execve(root["exe"], root["argv"], env)
    except OSError as e:
        fail("cannot exec %s: %s" % (root["exe"], e.strerror))
