"""cr_restart stand-in (BLCR 0.8.5 util/cr_restart + cr_rstrt_req.c semantics)."""

import ctypes
import errno
import fcntl
import json
import os
import resource
import signal
import stat
import subprocess
import sys
import tempfile
import time

from . import common as C
from . import procfs as P
from . import libcr

TOOL = "cr_restart"

USAGE = """Usage: cr_restart [options] [checkpoint_file]

Options:
General options:
  -?, --help          print this help message.
  -v, --version       print version information.
  -q, --quiet         suppress error/warning messages to stderr.

Options for source location of the checkpoint:
  -d, --dir DIR       (unimplemented).
  -f, --file FILE     checkpoint read from FILE.
  -F, --fd FD         checkpoint read from an open file descriptor.
  If no option is given from this group, the default is to take
  the final argument as FILE.

Options for signal sent to process(es) after restart:
      --run           no signal sent: continue execution (default).
  -S, --signal NUM    signal NUM sent to all processes/threads.
      --stop          SIGSTOP sent to all processes (also --freeze).
      --term          SIGTERM sent to all processes.
      --abort         SIGABRT sent to all processes.
      --kill          SIGKILL sent to all processes.
      --cont          SIGCONT sent to all processes.
  If more than one is given then only the last will be honored.

Options for checkpoints of restarted process(es):
      --omit-maybe    omit cr_restart from checkpoints (default)
      --omit-always   always omit cr_restart from checkpoints
      --omit-never    (accepted; behaves like --omit-maybe here)

Options for alternate error handling:
      --run-on-success='cmd'    run the given command on success
      --run-on-fail-args='cmd'  run the given command invalid arguments
      --run-on-fail-temp='cmd'  run the given command on 'temporary' failure
      --run-on-fail-env='cmd'   run the given command on 'environmental' failure
      --run-on-fail-perm='cmd'  run the given command on 'permanent' failure
      --run-on-failure='cmd'    run the given command on any failure

Options for relocation:
      --relocate OLDPATH=NEWPATH    map paths of files and directories to
                                    new locations by prefix replacement.

Options for restoring pid, process group and session ids
      --restore-pid       restore pids to saved values (default).
      --no-restore-pid    restart with new pids.
      --restore-pgid      restore pgid to saved values.
      --no-restore-pgid   restart with new pgids (default).
      --restore-sid       restore sid to saved values.
      --no-restore-sid    restart with new sids (default).

Options for kernel log messages (default is --kmsg-error):
      --kmsg-none, --kmsg-error, --kmsg-warning

(crfake stand-in: see test/fakeblcr/README.md)
"""

LONGOPTS = {
    "help": (C.NO_ARG, "h"), "version": (C.NO_ARG, "v"), "quiet": (C.NO_ARG, "q"),
    "file": (C.REQ_ARG, "f"), "dir": (C.REQ_ARG, "d"), "fd": (C.REQ_ARG, "F"),
    "signal": (C.REQ_ARG, "S"), "run": (C.NO_ARG, "run"), "stop": (C.NO_ARG, "stop"),
    "freeze": (C.NO_ARG, "stop"), "term": (C.NO_ARG, "term"), "kill": (C.NO_ARG, "kill"),
    "abort": (C.NO_ARG, "abort"), "cont": (C.NO_ARG, "cont"),
    "early-stop": (C.NO_ARG, "early-stop"), "early-abrt": (C.NO_ARG, "early-abrt"),
    "omit-maybe": (C.NO_ARG, "omit"), "omit-always": (C.NO_ARG, "omit"),
    "omit-never": (C.NO_ARG, "omit"),
    "run-on-success": (C.REQ_ARG, "hook-success"), "run-on-fail-temp": (C.REQ_ARG, "hook-temp"),
    "run-on-fail-env": (C.REQ_ARG, "hook-env"), "run-on-fail-args": (C.REQ_ARG, "hook-args"),
    "run-on-fail-perm": (C.REQ_ARG, "hook-perm"), "run-on-failure": (C.REQ_ARG, "hook-failure"),
    "relocate": (C.REQ_ARG, "relocate"),
    "kmsg-none": (C.NO_ARG, "kmsg-none"), "kmsg-error": (C.NO_ARG, "kmsg-error"),
    "kmsg-warning": (C.NO_ARG, "kmsg-warning"),
    "restore-pid": (C.NO_ARG, "restore-pid"), "no-restore-pid": (C.NO_ARG, "no-restore-pid"),
    "restore-pgid": (C.NO_ARG, "restore-pgid"), "no-restore-pgid": (C.NO_ARG, "no-restore-pgid"),
    "restore-sid": (C.NO_ARG, "restore-sid"), "no-restore-sid": (C.NO_ARG, "no-restore-sid"),
}

PID_LOCK = os.path.join(tempfile.gettempdir(), ".crfake-pid.lock")
NS_LAST_PID = "/proc/sys/kernel/ns_last_pid"
CLEAN_FLAGS = ~(os.O_CREAT | os.O_EXCL | os.O_TRUNC | os.O_NOCTTY | os.O_CLOEXEC)


class G:
    hooks = {}
    kmsgs = []
    kmsg_level = "error"
    argv = []
    oldmask = None
    child = 0


def _flush():
    for s in (sys.stdout, sys.stderr):
        try:
            s.flush()
        except Exception:
            pass


def _exit(code, **fields):
    C.log_event(TOOL, "exit", argv=G.argv, exit=code & 0xFF, **fields)
    _flush()
    os._exit(code & 0xFF)


def run_hook(kind):
    cmd = G.hooks.get(kind)
    if not cmd:
        return 0
    mask = G.oldmask

    def pre():
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    _flush()
    rc = subprocess.call(["/bin/sh", "-c", cmd], preexec_fn=pre)
    return rc if rc >= 0 else -1


def die(code, hook, text):
    hv = run_hook(hook)
    if hv:
        _exit(hv, hook=hook, error=text.strip())
    if G.kmsg_level != "none":
        for k in G.kmsgs:
            C.Out.err("- %s\n" % k)
    C.Out.err(text)
    _exit(code, error=text.strip())


def failure(err):
    if err in (errno.ENOMEM, errno.EBUSY):
        hook = "temp"
    elif err in (errno.EACCES, errno.EPERM, errno.ENOENT, errno.EEXIST, errno.EISDIR, errno.ENOTDIR):
        hook = "env"
    else:
        hook = "perm"
    die(err, hook, "Restart failed: %s\n" % C.strerror(err))


def usage(stream, fail):
    if fail:
        hv = run_hook("args")
        if hv:
            _exit(hv, error="usage")
    if not (C.Out.quiet and stream is sys.stderr):
        stream.write(USAGE)
        stream.flush()
    _exit(-1 if fail else 0, error="usage" if fail else None)


def readint(s):
    v = C.strtol_full(s)
    if v is None:
        usage(sys.stderr, True)
    return v


# ---------------------------------------------------------------- signals

def _signal_self(sig):
    signal.signal(sig, signal.SIG_DFL)
    os.kill(os.getpid(), sig)
    signal.signal(sig, _forward)


def _forward(sig, frame):
    child = G.child
    if child <= 0:
        return
    try:
        os.kill(child, sig)
    except OSError:
        pass
    if sig in (signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU):
        _signal_self(sig)


def _all_signals():
    return set(int(s) for s in signal.valid_signals())


def _block_all():
    blk = _all_signals() - {int(signal.SIGKILL), int(signal.SIGSTOP), int(signal.SIGCHLD)}
    return signal.pthread_sigmask(signal.SIG_SETMASK, blk)


def _install_forwarders():
    for sig in sorted(_all_signals()):
        if sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD, C.CR_SIGNUM):
            continue
        try:
            signal.signal(sig, _forward)
        except (OSError, ValueError, RuntimeError):
            pass
    # checkpoint requests: cr_restart omits itself and forwards to its children
    libcr.init(omit=True, forward=True, force=True)
    # (libcr.init unblocked CR_SIGNUM; keep it blocked until the restart completes)
    signal.pthread_sigmask(signal.SIG_BLOCK, {C.CR_SIGNUM})


def mimic_exit(status):
    if os.WIFEXITED(status):
        _exit(os.WEXITSTATUS(status), child_status="exit %d" % os.WEXITSTATUS(status))
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        C.log_event(TOOL, "exit", argv=G.argv, child_status="signal %d" % sig, exit=128 + sig)
        _flush()
        try:
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        except (ValueError, OSError):
            pass
        try:
            signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError, RuntimeError):
            pass
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {sig})
        os.kill(os.getpid(), sig)
        time.sleep(0.05)
        os._exit(255)  # signal was not fatal
    C.Out.err("Unexpected status from child\n")
    _exit(-1)


# ---------------------------------------------------------------- restore (in the child)

class RestoreError(Exception):
    def __init__(self, err, kmsg=None):
        Exception.__init__(self, err)
        self.err = err
        self.kmsg = kmsg


def _report(w, err, kmsgs):
    try:
        os.write(w, json.dumps({"errno": err, "kmsgs": kmsgs}).encode())
    except OSError:
        pass


def _fd_open(n):
    try:
        fcntl.fcntl(n, fcntl.F_GETFD)
        return True
    except OSError:
        return False


def _make_unlinked(ent, path):
    d = os.path.dirname(path)
    if not os.path.isdir(d):
        d = tempfile.gettempdir()
    fd = os.open(d, os.O_TMPFILE | os.O_RDWR, ent.get("mode", 0o600))
    data = bytes.fromhex(ent.get("contents_hex", ""))
    view = memoryview(data)
    while len(view):
        view = view[os.write(fd, view):]
    os.ftruncate(fd, ent.get("size", len(data)))
    acc = ent["flags"] & os.O_ACCMODE
    if acc != os.O_RDWR:
        fd2 = os.open("/proc/self/fd/%d" % fd, ent["flags"] & CLEAN_FLAGS)
        os.close(fd)
        fd = fd2
    return fd


def restore_fds(proc, relocs, base):
    """Open every saved fd at a parked number >= base; return {target: parked}."""
    srcs = {}
    for ent in proc["fds"]:
        n = ent["fd"]
        if "dup_of" in ent and ent["dup_of"] in srcs:
            srcs[n] = srcs[ent["dup_of"]]
            continue
        kind = ent["kind"]
        flags = ent["flags"] & CLEAN_FLAGS
        fd = None
        if kind == "regular":
            path = C.relocate(ent["path"], relocs)
            if ent.get("unlinked"):
                fd = _make_unlinked(ent, path)
            else:
                try:
                    fd = os.open(path, flags)
                except OSError as e:
                    raise RestoreError(e.errno, "Failed to open file '%s'" % path)
                st = os.fstat(fd)
                if stat.S_ISDIR(st.st_mode):
                    raise RestoreError(errno.EISDIR, "Failed to open file '%s'" % path)
                if stat.S_ISREG(st.st_mode) and (ent["flags"] & os.O_ACCMODE) in (os.O_WRONLY, os.O_RDWR):
                    try:
                        os.ftruncate(fd, ent["size"])
                    except OSError as e:
                        raise RestoreError(e.errno, "Couldn't restore file length.")
            try:
                if os.lseek(fd, ent["pos"], os.SEEK_SET) != ent["pos"]:
                    raise OSError(errno.EINVAL, "lseek")
            except OSError:
                raise RestoreError(errno.EINVAL, "Couldn't restore file pointer for file '%s'." % path)
        elif kind == "dir":
            path = C.relocate(ent["path"], relocs)
            try:
                fd = os.open(path, flags)
            except OSError as e:
                raise RestoreError(e.errno, "Failed to open directory '%s'" % path)
            if not stat.S_ISDIR(os.fstat(fd).st_mode):
                raise RestoreError(errno.ENOTDIR, "Failed to open directory '%s'" % path)
            try:
                os.lseek(fd, ent["pos"], os.SEEK_SET)
            except OSError:
                pass
        elif kind == "fifo":
            path = C.relocate(ent["path"], relocs)
            try:
                tmp = os.open(path, os.O_RDWR | os.O_NONBLOCK)
                fd = os.open(path, flags)
                os.close(tmp)
            except OSError as e:
                raise RestoreError(e.errno, "Couldn't open %s." % path)
        elif kind == "chr-mem":
            try:
                fd = os.open(ent["path"], flags)
            except OSError as e:
                if ent["path"] == "/dev/tty":
                    fd = None
                else:
                    raise RestoreError(e.errno, "Failed to open chrdev path='%s'" % ent["path"])
        elif kind in ("pipe", "tty", "socket"):
            if n <= 2 and _fd_open(n):
                fd = os.dup(n)  # inherited from cr_restart (stdin/stdout/stderr)
            elif kind == "pipe":
                r, w = os.pipe()
                if (ent["flags"] & os.O_ACCMODE) == os.O_RDONLY:
                    os.close(w)
                    fd = r
                else:
                    os.close(r)
                    fd = w
            elif kind == "tty":
                try:
                    fd = os.open("/dev/tty", flags)
                except OSError:
                    fd = None
        # sockets (n > 2), other char devices, anon inodes: left closed
        if fd is None:
            continue
        parked = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, base)
        os.close(fd)
        srcs[n] = parked
    return srcs


def child_main(proc, opts, relocs, w, ctx_path):
    kmsgs = []
    try:
        pid = proc["pid"]
        targets = [e["fd"] for e in proc["fds"]]
        base = max(targets + [2]) + 1
        w = fcntl.fcntl(w, fcntl.F_DUPFD_CLOEXEC, max(base, 3))
        base = w + 1
        if opts["restore_sid"] and proc.get("sid") != os.getsid(0):
            if proc.get("sid") == pid:
                os.setsid()
            else:
                raise RestoreError(errno.ENOSYS, "crfake: cannot restore sid %s" % proc.get("sid"))
        if opts["restore_pgid"] and proc.get("pgid") != os.getpgid(0):
            if proc.get("pgid") == pid:
                os.setpgid(0, 0)
            else:
                try:
                    os.setpgid(0, proc["pgid"])
                except OSError:
                    raise RestoreError(errno.ENOSYS, "crfake: cannot restore pgid %s" % proc.get("pgid"))
        cwd = C.relocate(proc["cwd"], relocs)
        try:
            os.chdir(cwd)
        except OSError as e:
            raise RestoreError(e.errno, "Failed to restore cwd '%s'" % cwd)
        srcs = restore_fds(proc, relocs, base)
        for n, parked in srcs.items():
            os.dup2(parked, n, inheritable=True)
        keep = set(srcs) | {w}
        for name in os.listdir("/proc/self/fd"):
            fd = int(name)
            if fd not in keep:
                try:
                    os.close(fd)
                except OSError:
                    pass
        ign = set(proc.get("sigign", []))
        for sig in range(1, C.NSIG):
            if sig in (signal.SIGKILL, signal.SIGSTOP):
                continue
            try:
                signal.signal(sig, signal.SIG_IGN if sig in ign else signal.SIG_DFL)
            except (OSError, ValueError, RuntimeError):
                pass
        env = {}
        for e in proc.get("env", []):
            k, _, v = e.partition("=")
            env[k] = v
        os.set_inheritable(w, True)  # libcr.init() in the app reports READY on it
        payload = json.dumps({
            "ready_fd": w,
            "state": proc.get("state"),
            "cloexec": [e["fd"] for e in proc["fds"] if e["flags"] & os.O_CLOEXEC and e["fd"] in srcs],
            "pid": pid, "context": ctx_path, "restarted_at": time.time(),
        })
        if len(payload) > 100000:
            fd, tmp = tempfile.mkstemp(prefix="crfake-restore-")
            os.write(fd, payload.encode())
            os.close(fd)
            env[C.ENV_RESTORE] = "@" + tmp
        else:
            env[C.ENV_RESTORE] = payload
        argv = list(proc.get("argv") or [])
        if not argv:
            raise RestoreError(errno.EINVAL, "crfake: empty argv in context")
        if proc.get("script_index") is not None and proc.get("script"):
            argv[proc["script_index"]] = C.relocate(proc["script"], relocs)
        exe = C.relocate(proc["exe"], relocs)
        blk = (set(proc.get("sigblk", [])) | {C.CR_SIGNUM}) - {int(signal.SIGKILL), int(signal.SIGSTOP)}
        signal.pthread_sigmask(signal.SIG_SETMASK, blk)
        try:
            os.execve(exe, argv, env)
        except OSError as e:
            raise RestoreError(e.errno, "Failed to exec '%s'" % exe)
    except RestoreError as e:
        if e.kmsg:
            kmsgs.append(e.kmsg)
        _report(w, e.err, kmsgs)
    except OSError as e:
        _report(w, e.errno or errno.EIO, kmsgs)
    except BaseException as e:  # noqa
        _report(w, errno.EIO, kmsgs + ["crfake: %r" % (e,)])
    os._exit(1)


# ---------------------------------------------------------------- checks (in the parent)

def precheck(proc, relocs):
    def need(path, want_dir=None):
        try:
            st = os.stat(path)
        except OSError as e:
            G.kmsgs.append("Failed to open file '%s'" % path)
            failure(e.errno)
        if want_dir is True and not stat.S_ISDIR(st.st_mode):
            G.kmsgs.append("Not a directory: '%s'" % path)
            failure(errno.ENOTDIR)
        if want_dir is False and stat.S_ISDIR(st.st_mode):
            G.kmsgs.append("Failed to open file '%s'" % path)
            failure(errno.EISDIR)

    need(C.relocate(proc["exe"], relocs), False)
    if proc.get("script_index") is not None and proc.get("script"):
        need(C.relocate(proc["script"], relocs), False)
    for ent in proc["fds"]:
        if "dup_of" in ent:
            continue
        if ent["kind"] == "regular" and not ent.get("unlinked"):
            need(C.relocate(ent["path"], relocs), False)
        elif ent["kind"] == "dir":
            need(C.relocate(ent["path"], relocs), True)
        elif ent["kind"] == "fifo":
            need(C.relocate(ent["path"], relocs))
    need(C.relocate(proc["cwd"], relocs), True)


class _CloneArgs(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in (
        "flags", "pidfd", "child_tid", "parent_tid", "exit_signal", "stack", "stack_size",
        "tls", "set_tid", "set_tid_size", "cgroup")]


_SYS_CLONE3 = 435  # same number on all architectures (since Linux 5.3; set_tid since 5.5)
_libc = None


def clone_at(pid):
    """fork(2) whose child gets exactly `pid` (clone3 with set_tid, as CRIU does): atomic,
    EEXIST if the pid is in use.  Returns 0 in the child, the pid in the parent."""
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    tids = (ctypes.c_int * 1)(pid)
    args = _CloneArgs()
    args.exit_signal = int(signal.SIGCHLD)
    args.set_tid = ctypes.addressof(tids)
    args.set_tid_size = 1
    sys.stdout.flush()
    sys.stderr.flush()
    r = _libc.syscall(ctypes.c_long(_SYS_CLONE3), ctypes.byref(args), ctypes.c_size_t(ctypes.sizeof(args)))
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r


def _fork_via_ns_last_pid(pid, fd):
    """Fallback for kernels without clone3 set_tid: rewind ns_last_pid and fork at once."""
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, str(pid - 1).encode())
    return os.fork()


def spawn(proc, opts, relocs, ctx_path):
    """Fork the restored process (at its saved PID unless --no-restore-pid).
    Returns (child, r, w, errno); r/w is the status pipe."""
    r, w = os.pipe()
    pid = proc["pid"]

    def in_child():
        os.close(r)
        child_main(proc, opts, relocs, w, ctx_path)
        os._exit(1)

    if not opts["restore_pid"]:
        child = os.fork()
        if child == 0:
            in_child()
        return child, r, w, 0

    try:
        if os.environ.get("CRFAKE_NO_CLONE3"):
            raise OSError(errno.ENOSYS, "clone3 disabled by CRFAKE_NO_CLONE3")
        child = clone_at(pid)
    except OSError as e:
        if e.errno == errno.EEXIST:
            G.kmsgs.append("found pid %d in use" % pid)
            C.log_event(TOOL, "busy", want=pid, holder=P.stat_of(pid))
            return None, r, w, errno.EBUSY
        if e.errno not in (errno.ENOSYS, errno.EPERM, errno.EINVAL, errno.E2BIG):
            return None, r, w, e.errno
        C.log_event(TOOL, "clone3-unavailable", errno=e.errno)
        child = None
    else:
        if child == 0:
            in_child()
        C.log_event(TOOL, "fork", child=child, want=pid, via="clone3")
        return child, r, w, 0

    # Fallback: /proc/sys/kernel/ns_last_pid, serialised among cr_restarts by a lock.  Another
    # process forking between our write and our fork takes the pid (an artefact of the
    # emulation): wait for such a newcomer to go away and retry.
    lockfd = os.open(PID_LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    fcntl.flock(lockfd, fcntl.LOCK_EX)
    try:
        try:
            nsfd = os.open(NS_LAST_PID, os.O_WRONLY)
        except OSError as e:
            G.kmsgs.append("crfake: cannot open %s (need root): %s" % (NS_LAST_PID, e.strerror))
            return None, r, w, errno.EPERM
        started = time.time()
        for attempt in range(200):
            if P.pid_in_use(pid):
                # At the first look the pid is in use: busy, as the kernel says. Later it was free
                # when we forked, so what holds it now is a newcomer that won the race (or has
                # already exited and is not yet reaped: no age then): wait for it, up to 3 s.
                age = P.age_seconds(pid)
                if attempt == 0 or (age is not None and age > time.time() - started + 0.5) \
                        or time.time() - started > 3:
                    G.kmsgs.append("found pid %d in use" % pid)
                    C.log_event(TOOL, "busy", attempt=attempt, want=pid, holder=P.stat_of(pid))
                    return None, r, w, errno.EBUSY
                time.sleep(0.01)  # a newcomer that took the pid we freed up: wait
                continue
            child = _fork_via_ns_last_pid(pid, nsfd)
            if child == 0:
                if os.getpid() != pid:
                    os._exit(0)
                in_child()
            C.log_event(TOOL, "fork", attempt=attempt, child=child, want=pid, via="ns_last_pid")
            if child == pid:
                return child, r, w, 0
            os.waitpid(child, 0)
        G.kmsgs.append("found pid %d in use" % pid)
        return None, r, w, errno.EBUSY
    finally:
        fcntl.flock(lockfd, fcntl.LOCK_UN)
        os.close(lockfd)


# ---------------------------------------------------------------- main

def main():
    C.undo_python_sigint()
    args = sys.argv[1:]
    G.argv = args
    C.log_event(TOOL, "start", argv=args, cwd=os.getcwd())
    if "-q" in args or "--quiet" in args:
        C.Out.quiet = True
    try:
        opts_list, pos = C.gnu_getopt(args, "qvhS:F:d:f:", LONGOPTS)
    except C.UsageError as e:
        for key, val in getattr(e, "opts", []):  # hooks given before the bad option still run
            if key == "hook-failure":
                for k in ("temp", "env", "args", "perm"):
                    G.hooks[k] = val
            elif key.startswith("hook-"):
                G.hooks[key[5:]] = val
            elif key == "q":
                C.Out.quiet = True
        usage(sys.stderr, True)
    src = "default"
    ctx_path = None
    ctx_fd = -1
    sig = 0
    relocs = []
    opts = {"restore_pid": True, "restore_pgid": False, "restore_sid": False}
    for key, val in opts_list:
        if key == "f":
            if src != "default":
                die(errno.EINVAL, "args", "multiple source arguments specified\n")
            src, ctx_path = "file", val
        elif key == "d":
            if src != "default":
                die(errno.EINVAL, "args", "multiple source arguments specified\n")
            die(errno.EINVAL, "args", "-d flag not yet implemented\n")
        elif key == "F":
            if src != "default":
                die(errno.EINVAL, "args", "multiple source arguments specified\n")
            src = "fd"
            ctx_fd = readint(val)
            if ctx_fd < 0:
                die(errno.EINVAL, "args",
                    "FD argument must be a non-negatvive integer (%d was given)\n" % ctx_fd)
        elif key == "S":
            sig = readint(val)
            if sig <= 0 or sig >= C.NSIG:
                die(errno.EINVAL, "args", "Valid signal numbers are from 1 to %d, inclusive.\n" % (C.NSIG - 1))
        elif key in ("run", "stop", "term", "kill", "abort", "cont", "early-stop", "early-abrt"):
            sig = int({"run": 0, "stop": signal.SIGSTOP, "term": signal.SIGTERM, "kill": signal.SIGKILL,
                       "abort": signal.SIGABRT, "cont": signal.SIGCONT,
                       "early-stop": -signal.SIGSTOP, "early-abrt": -signal.SIGABRT}[key])
        elif key == "omit":
            pass
        elif key.startswith("hook-"):
            kind = key[5:]
            if kind == "failure":
                for k in ("temp", "env", "args", "perm"):
                    G.hooks[k] = val
            else:
                G.hooks[kind] = val
        elif key == "relocate":
            try:
                pair = C.parse_relocate(val)
            except C.RelocError as e:
                die(errno.EINVAL, "args", str(e))
            if pair is not None:
                if len(relocs) >= C.MAX_RELOC:
                    die(errno.EINVAL, "args", "Too many relocations (max is %d).\n" % C.MAX_RELOC)
                relocs.append(pair)
        elif key.startswith("kmsg-"):
            G.kmsg_level = key[5:]
        elif key in ("restore-pid", "no-restore-pid", "restore-pgid", "no-restore-pgid",
                     "restore-sid", "no-restore-sid"):
            opts[key.replace("no-", "").replace("-", "_")] = not key.startswith("no-")
        elif key == "q":
            C.Out.quiet = True
        elif key == "v":
            print("cr_restart version %s" % C.VERSION)
            _exit(0)
        elif key in ("?", "h"):
            usage(sys.stdout, False)
    if src == "default":
        if len(pos) != 1:
            usage(sys.stderr, True)
        ctx_path, src = pos[0], "file"
    elif pos:
        usage(sys.stderr, True)

    # ---- open and read the context file
    if src == "file":
        try:
            ctx_fd = os.open(ctx_path, os.O_RDONLY)
        except OSError as e:
            die(-1, "args", "Failed to open(%s, O_RDONLY): %s\n" % (ctx_path, os.strerror(e.errno)))
    chunks = []
    try:
        while True:
            b = os.read(ctx_fd, 1 << 20)
            if not b:
                break
            chunks.append(b)
    except OSError as e:
        failure(e.errno or errno.EIO)
    if src == "file":
        os.close(ctx_fd)
        ctx_path = os.path.abspath(ctx_path)

    # ---- "critical section": no signals until the restart is complete
    G.oldmask = _block_all()
    _install_forwarders()

    try:
        ctx = C.decode_context(b"".join(chunks))
    except C.CorruptContext as e:
        G.kmsgs.append("crfake: %s" % e)
        failure(errno.EINVAL)
    delay = C.fault_float("RESTART_DELAY")
    if delay:
        time.sleep(delay)
    injected = C.parse_errno(C.fault("RESTART_FAIL"))
    if injected:
        G.kmsgs.append("crfake: injected failure (CRFAKE_RESTART_FAIL)")
        failure(injected)
    procs = ctx["processes"]
    if len(procs) != 1:
        G.kmsgs.append("crfake: only single-process context files are supported")
        failure(errno.ENOSYS)
    proc = procs[0]
    pid = proc["pid"]

    # PIDs are reserved before anything else (cr_rstrt_req.c)
    if opts["restore_pid"] and P.pid_in_use(pid):
        G.kmsgs.append("found pid %d in use" % pid)
        failure(errno.EBUSY)
    for kind, on in (("pgid", opts["restore_pgid"]), ("sid", opts["restore_sid"])):
        ident = proc.get(kind)
        if on and ident is not None and P.members(kind, ident):
            G.kmsgs.append("crfake: %s %d in use" % (kind, ident))
            failure(errno.EBUSY)
    precheck(proc, relocs)

    child, r, w, err = spawn(proc, opts, relocs, ctx_path)
    os.close(w)
    if err:
        os.close(r)
        failure(err)
    # Wait until the child reports READY (libcr.init() done in the restored app: its
    # state, handlers and CR_SIGNUM handler are back), or an error, or EOF (exited).
    data = b""
    while b"READY\n" not in data:
        try:
            b = os.read(r, 65536)
        except InterruptedError:
            continue
        if not b:
            break
        data += b
    os.close(r)
    if data and b"READY\n" not in data:
        os.waitpid(child, 0)
        try:
            rep = json.loads(data.decode())
        except Exception:
            rep = {"errno": errno.EIO, "kmsgs": []}
        G.kmsgs.extend(rep.get("kmsgs", []))
        failure(rep.get("errno") or errno.EIO)

    # ---- restored
    G.child = child
    if sig:
        try:
            os.kill(child, abs(sig))
        except OSError:
            pass
    C.log_event(TOOL, "restored", argv=args, child=child, saved_pid=pid, context=ctx_path)
    hv = run_hook("success")
    if hv:
        _exit(hv, hook="success")
    signal.pthread_sigmask(signal.SIG_SETMASK, G.oldmask - {C.CR_SIGNUM} if G.oldmask else set())
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except InterruptedError:
            continue
        except ChildProcessError as e:
            die(-1, "perm", "waitpid(%d): %s\n" % (child, os.strerror(e.errno)))
    mimic_exit(status)
