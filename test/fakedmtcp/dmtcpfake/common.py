"""Shared by the DMTCP stand-ins: paths, the coordinator wire format, images, faults, the log."""

import errno
import fcntl
import getpass
import gzip
import json
import os
import socket
import sys
import time

HERE = os.path.dirname(os.path.realpath(__file__))
FAKE_ROOT = os.path.dirname(HERE)                       # test/fakedmtcp
FAKEBLCR = os.path.join(os.path.dirname(FAKE_ROOT), "fakeblcr")
PRELOAD_DIR = os.path.join(FAKE_ROOT, "preload")        # sitecustomize.py: the fake libdmtcp
RESTORE_BIN = os.path.join(FAKE_ROOT, "restore-bin")    # tee/cat as restored filters
GCONV = os.path.join(FAKE_ROOT, "gconv-modules.cache")  # every process "maps" it (see README)

if FAKEBLCR not in sys.path:
    sys.path.insert(0, FAKEBLCR)

VERSION = "4.1.1-fake"
DEFAULT_PORT = 7779
DEFAULT_SIGCKPT = 12          # SIGUSR2
FAIL_RC = 99                  # DMTCP's exit code for its own failures
CR_SIGNUM = 64                # crfake libcr's request signal (reused: the cooperative half)

# Environment of processes inside a computation (the fake's LD_PRELOAD).
ENV_COMP = "DMTCPFAKE_COMP"
ENV_SIG = "DMTCPFAKE_SIGCKPT"
ENV_RESTORE = "DMTCPFAKE_RESTORE"   # restore dir while a restarted computation comes back
ENV_SELF = "DMTCPFAKE_SELF"         # image id of the root process being restored
ENV_TMP = "DMTCPFAKE_TMPDIR"
IMAGE_MAGIC = "DMTCPFAKE-IMAGE 1"


def prog_name(argv, exe=""):
    a0 = argv[0] if argv else exe
    return os.path.basename(a0) or "unknown"


def user_host_dir(tmpdir):
    """Where DMTCP writes its logs: <tmpdir>/dmtcp-<user>@<host>."""
    try:
        user = getpass.getuser()
    except Exception:
        user = str(os.getuid())
    d = os.path.join(tmpdir, "dmtcp-%s@%s" % (user, socket.gethostname()))
    os.makedirs(d, exist_ok=True)
    return d


def tmpdir_from(opt):
    return opt or os.environ.get("DMTCP_TMPDIR") or os.environ.get("TMPDIR") or "/tmp"


def log(tmpdir, name, text):
    """Append a log line under the DMTCP tmpdir (as the real tools leave their jassert logs)."""
    try:
        d = user_host_dir(tmpdir)
        with open(os.path.join(d, name), "a") as fh:
            fh.write("%s %d %s\n" % (time.strftime("%H:%M:%S"), os.getpid(), text))
    except OSError:
        pass


def event(ev, **fields):
    """DMTCPFAKE_LOG=FILE: one JSON line per event, for tests."""
    path = os.environ.get("DMTCPFAKE_LOG")
    if not path:
        return
    rec = {"t": round(time.time(), 3), "event": ev, "pid": os.getpid()}
    rec.update(fields)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (json.dumps(rec, sort_keys=True) + "\n").encode())
        finally:
            os.close(fd)
    except OSError:
        pass


# ---------------------------------------------------------------- faults
# Knob KEY: from the file named by DMTCPFAKE_FAULTS (re-read on every use; "KEY=VALUE@N" = the next
# N uses only, decremented in place), else the environment variable DMTCPFAKE_<KEY>.

def fault(key):
    path = os.environ.get("DMTCPFAKE_FAULTS")
    if path:
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            fd = None
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                with os.fdopen(os.dup(fd), "r") as fh:
                    lines = fh.read().splitlines()
                for i, raw in enumerate(lines):
                    line = raw.strip()
                    if not line or line.startswith("#") or "=" not in line:
                        continue
                    k, _, v = line.partition("=")
                    k = k.strip()
                    if k.startswith("DMTCPFAKE_"):
                        k = k[len("DMTCPFAKE_"):]
                    if k != key:
                        continue
                    val, at, count = v.strip().partition("@")
                    if at:
                        try:
                            n = int(count)
                        except ValueError:
                            continue
                        if n <= 0:
                            continue
                        if n - 1 > 0:
                            lines[i] = "%s=%s@%d" % (k, val, n - 1)
                        else:
                            del lines[i]
                        os.lseek(fd, 0, os.SEEK_SET)
                        os.ftruncate(fd, 0)
                        os.write(fd, ("\n".join(lines) + "\n").encode() if lines else b"")
                    return val
            finally:
                os.close(fd)
    return os.environ.get("DMTCPFAKE_" + key) or None


def fault_float(key):
    v = fault(key)
    try:
        return float(v) if v is not None else None
    except ValueError:
        return None


def parse_errno(v):
    if v is None:
        return None
    v = v.strip()
    if v.lstrip("-").isdigit():
        return int(v)
    return getattr(errno, v.upper(), errno.EIO)


# ---------------------------------------------------------------- coordinator wire format
# One JSON object per line over TCP on 127.0.0.1.

def send(sock, obj):
    sock.sendall((json.dumps(obj) + "\n").encode())


class LineReader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def read(self, timeout=None):
        self.sock.settimeout(timeout)
        while b"\n" not in self.buf:
            d = self.sock.recv(65536)
            if not d:
                return None
            self.buf += d
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line.decode())


def connect(host, port, timeout=5.0):
    s = socket.create_connection((host, int(port)), timeout=timeout)
    s.settimeout(None)
    return s


def request(host, port, obj, timeout=None):
    """One request, one answer."""
    s = connect(host, port)
    try:
        send(s, obj)
        return LineReader(s).read(timeout)
    finally:
        s.close()


def coord_address():
    host = os.environ.get("DMTCP_COORD_HOST") or os.environ.get("DMTCP_HOST") or "127.0.0.1"
    if host == "localhost":
        host = "127.0.0.1"
    port = os.environ.get("DMTCP_COORD_PORT") or os.environ.get("DMTCP_PORT") or str(DEFAULT_PORT)
    return host, int(port)


# ---------------------------------------------------------------- images

def write_atomic(path, data):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as fh:
        fh.write(data)
    os.rename(tmp, path)


class BadImage(Exception):
    pass


class TruncatedImage(BadImage):
    """A gzip stream cut short: real DMTCP 5.0 then printed gzip's message and hung (dmtcp.md, last section)."""


def read_image(path):
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as e:
        raise BadImage("cannot open %s: %s" % (path, e.strerror))
    try:
        img = json.loads(gzip.decompress(raw).decode())
    except EOFError:
        raise TruncatedImage("%s: truncated" % path)
    except Exception:
        raise BadImage("%s: not a DMTCP checkpoint image (truncated or corrupt)" % path)
    if not isinstance(img, dict) or img.get("magic") != IMAGE_MAGIC:
        raise BadImage("%s: not a DMTCP checkpoint image" % path)
    return img


def signum(text):
    import signal as _s
    t = str(text).strip().upper()
    if t.isdigit():
        return int(t)
    if not t.startswith("SIG"):
        t = "SIG" + t
    return int(getattr(_s, t))


def quiet_level(env):
    """DMTCP_QUIET of a DMTCP process, as logger.cpp reads it: the first character's digit."""
    v = (env or {}).get("DMTCP_QUIET") or "0"
    return ord(v[0]) - ord("0")


def restore_warning(rec, env, root=False):
    """What every restored process of a real DMTCP 5.0 printed to its own fd 2 on restart when its
    process group had changed (dmtcp.md, last section; processinfo.cpp restoreProcessGroupInfo).
    DMTCP_QUIET=2 silenced it only in the computation's first process (root=True: the root `bash -c`
    that dmtcp_launch started, restored as the shell): the logger reads DMTCP_QUIET in the first
    process and after fork, never after exec (logger.cpp, dmtcpworker.cpp), so processes that
    started by exec inside the computation (the app, tee, sed) log at the default level. Seen on
    5.0 with DMTCP_QUIET=2: tee's and sed's warnings, none from the root bash. A Python app here is
    always such a process: crjob's root bash execs into it, and `#!/usr/bin/env python3` and
    pyenv's shim exec again."""
    if root and quiet_level(env) >= 2:
        return
    saved = rec.get("pgid")
    current = os.getpgid(0)
    if saved is None or saved == current:
        return
    text = ("WARNING at processinfo.cpp:586: dmtcpAssertExpected != dmtcpAssertActual: expected -1 != "
            "setpgid(0, gid), got -1 and -1; cannot change process group: savedGid=%d currentGid=%d "
            "savedPid=%s savedPpid=%s\n" % (saved, current, rec.get("vpid"), rec.get("parent_pid")))
    try:
        os.write(2, text.encode())
    except OSError:
        pass


def stdio_links():
    """What this process's fds 0-2 refer to: the stdin/stdout/stderr that dmtcp_launch or
    dmtcp_restart was started with. DMTCP does not restore those (fileconnlist.cpp,
    scanForPreExisting: a pre-existing fd <= 2 is a StdioConnection); a file the computation opens
    itself is a file on any fd, 0-2 included."""
    out = []
    for fd in (0, 1, 2):
        try:
            out.append(os.readlink("/proc/self/fd/%d" % fd))
        except OSError:
            pass
    return out
