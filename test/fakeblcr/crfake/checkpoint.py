"""cr_checkpoint stand-in (BLCR 0.8.5 util/cr_checkpoint semantics)."""

import errno
import json
import os
import select
import signal
import socket
import stat
import sys
import time

from . import common as C
from . import procfs as P

TOOL = "cr_checkpoint"

USAGE = """Usage: cr_checkpoint [options] ID

Options:
General options:
  -v, --verbose          print progress messages to stderr.
  -q, --quiet            suppress error/warning messages to stderr.
  -?, --help             print this message and exit.
      --version          print version information and exit.

Options for scope of the checkpoint:
  -T, --tree             ID identifies a process id.  It and all
                         of its descendants are to be checkpointed.
                         This is the default.
  -p, --pid, --process   ID identifies a single process id.
  -g, --pgid, --group    ID identifies a process group id.
  -s, --sid, --session   ID identifies a session id.

Options for destination location of the checkpoint:
  -c, --cwd              checkpoint saved as a single 'context.ID' file in
                         cr_checkpoint's working directory (default).
  -d, --dir DIR          (unimplemented).
  -f, --file FILE        checkpoint saved as FILE.
  -F, --fd FD            checkpoint written to an open file descriptor.

Options for creation/replacement policy for checkpoint files:
      --atomic           checkpoint created/replaced atomically (default).
      --backup[=NAME]    checkpoint created atomically, and any existing
                         checkpoint backed up to NAME or *.~1~, *.~2~, etc.
      --clobber          checkpoint written incrementally to target,
                         overwriting any pre-existing checkpoint.
      --noclobber        checkpoint will fail if the target file exists.
  These options are ignored if the destination is a file descriptor.

Options for signal sent to process(es) after checkpoint:
      --run              no signal sent: continue execution (default).
  -S, --signal NUM       signal NUM sent to all processess.
      --stop             SIGSTOP sent to all processes.
      --term             SIGTERM sent to all processes.
      --abort            SIGABRT sent to all processes.
      --kill             SIGKILL sent to all processes.
      --cont             SIGCONT sent to all processes.
  Options in this group are mutually exclusive.
  If more than one is given then only the last will be honored.

Options for file system synchronization (default is --sync):
      --sync             fsync checkpoint file(s) to disk (default).
      --nosync           do not fsync checkpoint file(s) to disk.

Options to save optional portions of memory (accepted, no effect here):
      --save-exe, --save-private, --save-shared, --save-all, --save-none

Options for ptraced processes / ptracers (accepted, no effect here):
      --ptraced-error, --ptraced-skip, --ptraced-allow,
      --ptracer-error, --ptracer-skip

Options for kernel log messages (default is --kmsg-error):
      --kmsg-none, --kmsg-error, --kmsg-warning

Misc Options:
  -t, --time SEC         allow only SEC seconds for target to complete
                         checkpoint (default: wait indefinitely).

(crfake stand-in: see test/fakeblcr/README.md)
"""

LONGOPTS = {
    "pid": (C.NO_ARG, "p"), "process": (C.NO_ARG, "p"),
    "pgid": (C.NO_ARG, "g"), "group": (C.NO_ARG, "g"),
    "sid": (C.NO_ARG, "s"), "session": (C.NO_ARG, "s"),
    "tree": (C.NO_ARG, "T"),
    "file": (C.REQ_ARG, "f"), "dir": (C.REQ_ARG, "d"), "fd": (C.REQ_ARG, "F"), "cwd": (C.NO_ARG, "c"),
    "atomic": (C.NO_ARG, "atomic"), "backup": (C.OPT_ARG, "backup"),
    "clobber": (C.NO_ARG, "clobber"), "noclobber": (C.NO_ARG, "noclobber"),
    "signal": (C.REQ_ARG, "S"), "run": (C.NO_ARG, "run"), "stop": (C.NO_ARG, "stop"),
    "term": (C.NO_ARG, "term"), "kill": (C.NO_ARG, "kill"), "abort": (C.NO_ARG, "abort"),
    "cont": (C.NO_ARG, "cont"), "early-stop": (C.NO_ARG, "early-stop"),
    "early-abrt": (C.NO_ARG, "early-abrt"),
    "sync": (C.NO_ARG, "sync"), "nosync": (C.NO_ARG, "nosync"),
    "save-exe": (C.NO_ARG, "save"), "save-private": (C.NO_ARG, "save"),
    "save-shared": (C.NO_ARG, "save"), "save-all": (C.NO_ARG, "save"),
    "save-none": (C.NO_ARG, "save"),
    "ptraced-error": (C.NO_ARG, "ptrace"), "ptraced-allow": (C.NO_ARG, "ptrace"),
    "ptraced-skip": (C.NO_ARG, "ptrace"), "ptracer-error": (C.NO_ARG, "ptrace"),
    "ptracer-skip": (C.NO_ARG, "ptrace"),
    "kmsg-none": (C.NO_ARG, "kmsg-none"), "kmsg-error": (C.NO_ARG, "kmsg-error"),
    "kmsg-warning": (C.NO_ARG, "kmsg-warning"),
    "time": (C.REQ_ARG, "t"), "quiet": (C.NO_ARG, "q"), "verbose": (C.NO_ARG, "v"),
    "help": (C.NO_ARG, "h"), "version": (C.NO_ARG, "version"),
}


class G:
    to_remove = None
    kmsgs = []
    kmsg_level = "error"
    verbose = 0
    frozen = []  # list of (pid, conn)
    argv = []


def exit_code(code):
    return code & 0xFF


def release_all():
    """Let frozen processes continue (checkpoint finished or abandoned)."""
    for _pid, conn in G.frozen:
        try:
            conn.sendall(b"continue\n")
        except OSError:
            pass
        try:
            conn.close()
        except OSError:
            pass
    G.frozen = []


def die(code, text):
    release_all()
    if G.kmsg_level != "none":
        for k in G.kmsgs:
            C.Out.err("- %s\n" % k)
    C.Out.err(text)
    if G.to_remove is not None:
        try:
            os.stat(G.to_remove)
            os.unlink(G.to_remove)
        except OSError:
            pass
    C.log_event(TOOL, "exit", argv=G.argv, cwd=os.getcwd(), exit=exit_code(code), error=text.strip())
    sys.stdout.flush()
    os._exit(exit_code(code))


def usage(stream, code):
    if C.Out.quiet and stream is sys.stderr:
        sys.exit(exit_code(code))
    stream.write(USAGE)
    stream.flush()
    C.log_event(TOOL, "exit", argv=G.argv, exit=exit_code(code), error="usage")
    sys.exit(exit_code(code))


def readint(s):
    v = C.strtol_full(s)
    if v is None:
        usage(sys.stderr, -1)
    return v


# ---------------------------------------------------------------- registration

def _can_still_register(pid):
    """A cr_run'd process (or a cr_restart) that has not reached libcr.init() yet
    (interpreter or pyenv shim still starting)."""
    try:
        is_cr_restart = any(os.path.basename(a) == "cr_restart" for a in P.cmdline(pid)[:3])
    except OSError:
        is_cr_restart = False
    if not (is_cr_restart or P.env_has(pid, C.ENV_MODE)):
        return False
    try:
        exe = os.path.basename(os.readlink("/proc/%d/exe" % pid))
    except OSError:
        return False
    if not (exe.startswith("python") or exe in ("bash", "sh", "dash", "env")):
        return False
    age = P.age_seconds(pid)
    return age is not None and age < 10.0


def registered(pid):
    if P.catches(pid, C.CR_SIGNUM):
        return True
    if not _can_still_register(pid):
        return False
    limit = float(os.environ.get("CRFAKE_REG_WAIT", "3"))
    return P.wait_until(lambda: P.catches(pid, C.CR_SIGNUM) or not P.alive(pid), limit) and \
        P.catches(pid, C.CR_SIGNUM)


# ---------------------------------------------------------------- the request

def request(pid, deadline):
    """Ask libcr in pid to checkpoint.  Returns (conn, msg) or 'dead'/'timeout'/'nosupport'."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    while True:
        try:
            srv.bind(C.request_socket_name(pid))
            break
        except OSError as e:
            if e.errno != errno.EADDRINUSE:
                raise
            # another checkpoint of this process is in progress: queue behind it
            if not P.alive(pid):
                srv.close()
                return "dead"
            if deadline and time.time() > deadline:
                srv.close()
                return "timeout"
            time.sleep(0.02)
    try:
        srv.listen(8)
        if not P.catches(pid, C.CR_SIGNUM):
            return "nosupport" if P.alive(pid) else "dead"
        try:
            os.kill(pid, C.CR_SIGNUM)
        except ProcessLookupError:
            return "dead"
        conn = None
        while conn is None:
            r, _, _ = select.select([srv], [], [], 0.05)
            if r:
                conn, _ = srv.accept()
            elif not P.alive(pid):
                return "dead"
            elif deadline and time.time() > deadline:
                return "timeout"
    finally:
        srv.close()
    buf = b""
    while b"\n" not in buf:
        r, _, _ = select.select([conn], [], [], 0.05)
        if r:
            d = conn.recv(1 << 16)
            if not d:
                conn.close()
                return "dead"
            buf += d
        elif not P.alive(pid):
            conn.close()
            return "dead"
        elif deadline and time.time() > deadline:
            conn.close()
            return "timeout"
    try:
        msg = json.loads(buf.split(b"\n", 1)[0].decode())
    except Exception:
        conn.close()
        return "dead"
    return conn, msg


def process_record(pid, msg):
    st = P.stat_of(pid) or {}
    argv = P.cmdline(pid)
    exe = os.readlink("/proc/%d/exe" % pid)
    if exe.endswith(" (deleted)") and not os.path.exists(exe):
        exe = exe[: -len(" (deleted)")]
    cwd = os.readlink("/proc/%d/cwd" % pid)
    if cwd.endswith(" (deleted)") and not os.path.exists(cwd):
        cwd = cwd[: -len(" (deleted)")]
    env = [e for e in P.environ(pid) if not e.startswith(C.ENV_RESTORE + "=")]
    masks = P.signal_masks(pid) or {}
    libargv = msg.get("argv") or []
    script_index = None
    if libargv and len(libargv) <= len(argv):
        k = len(argv) - len(libargv)
        if argv[k:] == libargv and msg.get("script"):
            script_index = k
    return {
        "pid": pid, "ppid": st.get("ppid"), "pgid": st.get("pgid"), "sid": st.get("sid"),
        "comm": st.get("comm"), "uid": os.stat("/proc/%d" % pid).st_uid,
        "exe": exe, "argv": argv, "script": msg.get("script"), "script_index": script_index,
        "cwd": cwd, "env": env,
        "fds": P.fd_table(pid, exclude=set(msg.get("libcr_fds") or [])),
        "sigign": masks.get("SigIgn", []), "sigblk": masks.get("SigBlk", []),
        "sigcgt": masks.get("SigCgt", []),
        "state": msg.get("state"),
    }


def write_all(fd, data):
    view = memoryview(data)
    while len(view):
        n = os.write(fd, view)
        view = view[n:]


# ---------------------------------------------------------------- main

def main():
    C.undo_python_sigint()
    args = sys.argv[1:]
    G.argv = args
    C.log_event(TOOL, "start", argv=args, cwd=os.getcwd())
    if "-q" in args or "--quiet" in args:
        C.Out.quiet = True
    try:
        opts, pos = C.gnu_getopt(args, "f:d:F:S:pgsTct:qvh", LONGOPTS)
    except C.UsageError:
        usage(sys.stderr, -1)

    dest = "default"
    chkpt_file = None
    chkpt_fd = -1
    do_excl, do_atomic, do_backup, do_sync = False, True, False, True
    backup_to = None
    scope = "tree"
    sig = 0
    secs = 0
    for key, val in opts:
        if key in ("p", "g", "s", "T"):
            scope = {"p": "proc", "g": "pgid", "s": "sid", "T": "tree"}[key]
        elif key == "f":
            if dest != "default":
                die(errno.EINVAL, "conflicting destinations provided\n")
            dest, chkpt_file = "file", val
        elif key == "d":
            die(errno.EINVAL, "-d flag not yet implemented\n")
        elif key == "F":
            if dest != "default":
                die(errno.EINVAL, "conflicting destinations specified\n")
            dest, chkpt_fd = "fd", readint(val)
        elif key == "c":
            if dest != "default":
                die(errno.EINVAL, "conflicting destinations specified\n")
            dest = "cwd"
        elif key == "atomic":
            do_excl, do_atomic, do_backup = False, True, False
        elif key == "backup":
            do_excl, do_atomic, do_backup = False, True, True
            if val is not None:
                backup_to = val
        elif key == "clobber":
            do_excl, do_atomic, do_backup = False, False, False
        elif key == "noclobber":
            do_excl, do_atomic, do_backup = True, False, False
        elif key == "S":
            sig = readint(val)
            if sig <= 0 or sig >= C.NSIG:
                die(errno.EINVAL, "Valid signal numbers are from 1 to %d, inclusive.\n" % (C.NSIG - 1))
        elif key in ("run", "stop", "term", "kill", "abort", "cont", "early-stop", "early-abrt"):
            sig = {"run": 0, "stop": signal.SIGSTOP, "term": signal.SIGTERM, "kill": signal.SIGKILL,
                   "abort": signal.SIGABRT, "cont": signal.SIGCONT,
                   "early-stop": -signal.SIGSTOP, "early-abrt": -signal.SIGABRT}[key]
            sig = int(sig)
        elif key == "sync":
            do_sync = True
        elif key == "nosync":
            do_sync = False
        elif key in ("save", "ptrace"):
            pass
        elif key.startswith("kmsg-"):
            G.kmsg_level = key[5:]
        elif key == "t":
            secs = readint(val)
            if secs < 0:
                die(errno.EINVAL, "Time limit must be non-negative.\n")
        elif key == "q":
            C.Out.quiet = True
        elif key == "v":
            G.verbose += 1
        elif key == "version":
            print("cr_checkpoint version %s" % C.VERSION)
            sys.exit(0)
        elif key in ("?", "h"):
            usage(sys.stdout, 0)
    if len(pos) != 1:
        usage(sys.stderr, -1)
    target = readint(pos[0])

    parent_dir = None
    rename_to = None
    chkpt_to = None
    if dest == "fd":
        chkpt_to = "<fd%d>" % chkpt_fd
        do_excl = do_atomic = do_backup = False
    else:
        if dest in ("default", "cwd"):
            chkpt_file = "context.%d" % target
        chkpt_to = chkpt_file
        # dirname(3)/basename(3) semantics
        stripped = chkpt_to.rstrip("/") or "/"
        parent_dir = os.path.dirname(stripped) or "."
        if do_atomic:
            rename_to = chkpt_to
            chkpt_to = parent_dir + "/." + os.path.basename(stripped) + ".tmp"
    if G.verbose > 0:
        print("targetfile='%s', parent dir='%s', rename=%s" % (chkpt_to, parent_dir, rename_to))
        sys.stdout.flush()

    if dest != "fd":
        if not do_backup and not do_atomic and not do_excl:  # clobber
            if os.path.lexists(chkpt_to) and not os.access(chkpt_to, os.W_OK):
                try:
                    os.unlink(chkpt_to)
                except OSError as e:
                    die(e.errno, "Unable to remove existing '%s': %s\n" % (chkpt_to, os.strerror(e.errno)))
        flags = os.O_WRONLY | os.O_CREAT | os.O_NOCTTY | os.O_NONBLOCK | os.O_TRUNC
        if do_excl:
            flags |= os.O_EXCL
        try:
            chkpt_fd = os.open(chkpt_to, flags, 0o400)
        except OSError as e:
            C.Out.err("Unable to open file '%s': %s\n" % (chkpt_to, os.strerror(e.errno)))
            die(e.errno, "Failed to open checkpoint file '%s'\n" % chkpt_file)
        st = os.fstat(chkpt_fd)
        if stat.S_ISDIR(st.st_mode):
            C.Out.err("File '%s' is a directory: use the '--dir' flag for directories\n" % chkpt_to)
            die(errno.EISDIR, "Failed to open checkpoint file '%s'\n" % chkpt_file)
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode) or stat.S_ISSOCK(st.st_mode)):
            C.Out.err("File '%s' is not an acceptable file type (i.e. not a regular file, socket, or FIFO)\n"
                      % chkpt_to)
            die(errno.EINVAL, "Failed to open checkpoint file '%s'\n" % chkpt_file)
        G.to_remove = chkpt_to
        os.set_inheritable(chkpt_fd, False)

    # ---- issue the request ("kernel" side)
    mypid = os.getpid()
    deadline = time.time() + secs if secs > 0 else None
    if scope in ("tree", "proc"):
        initial = [target] if (target > 0 and P.alive(target)) else []
    else:
        initial = [p for p in P.members(scope, target) if p != mypid] if target > 0 else []
    if not initial:
        die(errno.ESRCH, "cr_request_checkpoint: No such process\n")
    for p in initial:
        if p != mypid and not registered(p):
            G.kmsgs.append("crfake: pid %d (%s) has no libcr: not started with cr_run, or not a libcr app"
                           % (p, (P.stat_of(p) or {}).get("comm", "?")))
            die(C.CR_ENOSUPPORT, "Checkpoint failed: support missing from application\n")
    if G.verbose > 0:
        C.Out.err("checkpoint request issued\n")

    queue = [(p, scope == "tree") for p in initial]
    visited = set()
    records_src = []  # (pid, msg)
    tree_pids = []    # every process that answered (saved or omitted)
    while queue:
        p, tree = queue.pop(0)
        if p in visited or p == mypid:
            continue
        visited.add(p)
        if not P.alive(p):
            continue
        if not registered(p):
            if not P.alive(p):
                continue
            G.kmsgs.append("crfake: pid %d (%s) in the checkpoint scope has no libcr"
                           % (p, (P.stat_of(p) or {}).get("comm", "?")))
            die(C.CR_ENOSUPPORT, "Checkpoint failed: support missing from application\n")
        res = request(p, deadline)
        if res == "dead":
            continue
        if res == "timeout":
            die(errno.ETIMEDOUT, "Checkpoint failed: %s\n" % os.strerror(errno.ETIMEDOUT))
        if res == "nosupport":
            die(C.CR_ENOSUPPORT, "Checkpoint failed: support missing from application\n")
        conn, msg = res
        tree_pids.append({"pid": p, "comm": (P.stat_of(p) or {}).get("comm"),
                          "omitted": bool(msg.get("omit"))})
        if msg.get("omit"):
            conn.close()
        else:
            G.frozen.append((p, conn))
            records_src.append((p, msg))
        if tree or msg.get("forward"):
            kids = P.children_map()
            for c in sorted(kids.get(p, [])):
                queue.append((c, True))

    if not records_src:
        die(errno.ESRCH, "Checkpoint failed: no processes checkpointed\n")
    if len(records_src) > 1:
        G.kmsgs.append("crfake: only single-process checkpoints are emulated (pids %s)"
                       % " ".join(str(p) for p, _ in records_src))
        die(errno.ENOSYS, "Checkpoint failed: %s\n" % os.strerror(errno.ENOSYS))

    # ---- all targets frozen: read /proc and write the context file
    try:
        procs = [process_record(p, m) for p, m in records_src]
    except OSError as e:
        die(e.errno or errno.EIO, "Checkpoint failed: %s\n" % C.strerror(e.errno or errno.EIO))
    ctx = {
        "format": "crfake-context", "version": 1, "blcr_version": C.VERSION,
        "created": time.time(), "hostname": os.uname()[1],
        "scope": scope, "target": target, "signal": sig, "tree": tree_pids,
        "requester": {"pid": mypid, "cwd": os.getcwd()},
        "processes": procs,
    }
    data = C.encode_context(ctx)
    if C.fault("CKPT_CORRUPT"):
        data = data[:-20] + b"0" * 19 + b"\n"
    delay = C.fault_float("CKPT_DELAY")
    fail = C.parse_errno(C.fault("CKPT_FAIL"))
    try:
        half = len(data) // 2
        write_all(chkpt_fd, data[:half])
        if delay:
            time.sleep(delay)
        if fail:
            raise OSError(fail, os.strerror(fail) if fail < 4096 else "injected failure")
        write_all(chkpt_fd, data[half:])
    except OSError as e:
        code = e.errno or errno.EIO
        G.kmsgs.append("crfake: write of checkpoint failed (errno %d)" % code)
        die(code, "Checkpoint failed: %s\n" % C.strerror(code))

    # ---- checkpoint complete: deliver the requested signal, then let them run
    if sig:
        for p, _conn in G.frozen:
            try:
                os.kill(p, abs(sig))
            except OSError:
                pass
    pids = [p for p, _ in G.frozen]
    release_all()
    if G.verbose > 0:
        C.Out.err("checkpoint request completed\n")

    if do_backup and os.path.exists(rename_to):
        if backup_to is None:
            n = 1
            while True:
                backup_to = "%s.~%d~" % (rename_to, n)
                n += 1
                if not os.path.lexists(backup_to):
                    break
        try:
            os.rename(rename_to, backup_to)
        except OSError as e:
            die(e.errno, "Unable to rename '%s' to '%s': %s\n" % (rename_to, backup_to, os.strerror(e.errno)))
    if do_atomic:
        try:
            os.rename(chkpt_to, rename_to)
        except OSError as e:
            die(e.errno, "Unable to rename '%s' to '%s': %s\n" % (chkpt_to, rename_to, os.strerror(e.errno)))
    G.to_remove = None
    if do_sync:
        try:
            os.fsync(chkpt_fd)
        except OSError as e:
            if e.errno != errno.EINVAL:
                die(e.errno, "Error syncing checkpoint to disk: %s\n" % os.strerror(e.errno))
        if parent_dir is not None:
            try:
                dfd = os.open(parent_dir, os.O_RDONLY | os.O_DIRECTORY)
                try:
                    os.fsync(dfd)
                except OSError:
                    pass
                os.close(dfd)
            except OSError as e:
                die(e.errno, "unable to opendir(%s): %s\n" % (parent_dir, os.strerror(e.errno)))
    if dest != "fd":
        os.close(chkpt_fd)
    C.log_event(TOOL, "exit", argv=args, cwd=os.getcwd(), exit=0, pids=pids,
                file=os.path.abspath(rename_to or chkpt_to) if dest != "fd" else chkpt_to)
    sys.stdout.flush()
    os._exit(0)
