"""Fake libcr: the cooperative, in-process half of the BLCR emulation.

A real kernel checkpoint saves the whole memory image.  Here an application
instead hands its state to libcr through a callback, and gets it back on
restart.  Everything else (PID, cwd, open files, offsets, signal
dispositions, environment) is saved and restored by the stand-in tools from
/proc, like the kernel module would.

Usage in an application:

    from crfake import libcr
    st = {"i": 0}
    libcr.init(save=lambda: dict(st), restore=st.update)
    ...
    with libcr.critical_section():   # like cr_enter_cs()/cr_leave_cs()
        st["i"] += 1
        os.write(1, b"...")

libcr is active only when the environment says it is preloaded
(CRFAKE_LIBCR=run|omit, set by cr_run), exactly as libcr_run.so is active only
under cr_run / LD_PRELOAD.  Otherwise init() installs nothing and
cr_checkpoint reports "support missing from application".

Protocol: cr_checkpoint binds the abstract unix socket "\\0crfake-ckpt-<pid>"
and sends signal 64 (CR_SIGNUM).  The handler (deferred while in a critical
section) connects, sends one JSON line ({"omit":..,"state":..,...}) and, unless
omitted, blocks ("frozen") until cr_checkpoint writes a line or closes the
connection.  cr_checkpoint reads /proc while the process is frozen.
"""

import contextlib
import json
import os
import signal
import socket
import sys

CR_SIGNUM = 64
ENV_MODE = "CRFAKE_LIBCR"
ENV_RESTORE = "CRFAKE_RESTORE"


class _S:
    depth = 0
    pending = False
    busy = False
    save = None
    omit = False
    forward = False
    active = False
    restarted = False
    restore_info = None
    checkpoints = 0


def _take_restore():
    raw = os.environ.pop(ENV_RESTORE, None)
    if not raw:
        return None
    try:
        if raw.startswith("@"):
            path = raw[1:]
            with open(path) as fh:
                raw = fh.read()
            try:
                os.unlink(path)
            except OSError:
                pass
        return json.loads(raw)
    except Exception:
        return None


def init(save=None, restore=None, omit=None, forward=False, force=False):
    """Register with the (fake) checkpoint machinery.

    save:    callable returning a JSON-serialisable state; called at checkpoint.
    restore: callable receiving that state when the process is a restart.
    Returns True if libcr is active (checkpointable), False otherwise."""
    mode = os.environ.get(ENV_MODE, "")
    info = _take_restore()
    if info is not None:
        _S.restarted = True
        _S.restore_info = info
        for fd in info.get("cloexec", []):
            try:
                os.set_inheritable(fd, False)
            except OSError:
                pass
        if restore is not None and info.get("state") is not None:
            restore(info["state"])
    if not (force or mode in ("run", "omit", "1")):
        _report_ready(info)
        return False
    _S.save = save
    _S.omit = (mode == "omit") if omit is None else bool(omit)
    _S.forward = bool(forward)
    signal.signal(CR_SIGNUM, _handler)
    _S.active = True
    _report_ready(info)  # (closes the READY fd before any checkpoint can see it)
    # cr_restart keeps CR_SIGNUM blocked across the exec of a restored process.
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {CR_SIGNUM})
    except (OSError, ValueError):
        pass
    return True


def _report_ready(info):
    """Tell cr_restart that the restored process is complete (see restart.py)."""
    fd = (info or {}).get("ready_fd")
    if fd is None:
        return
    try:
        os.write(fd, b"READY\n")
    except OSError:
        pass
    try:
        os.close(fd)
    except OSError:
        pass


def active():
    return _S.active


def restarted():
    """True if this process was started by cr_restart from a context file."""
    return _S.restarted


def restore_info():
    return _S.restore_info


def _handler(signum, frame):
    if _S.depth > 0 or _S.busy:
        _S.pending = True
        return
    _checkpoint_now()


def _script_path():
    a0 = sys.argv[0] if sys.argv else ""
    if a0 and a0 not in ("-c", "-m", "-") and os.path.isfile(a0):
        return os.path.realpath(a0)
    return None


def _checkpoint_now():
    _S.busy = True
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect("\0crfake-ckpt-%d" % os.getpid())
        except OSError:
            s.close()
            return  # stale request: nobody is waiting
        try:
            if _S.omit:
                msg = {"omit": True, "forward": _S.forward}
            else:
                state = _S.save() if _S.save is not None else None
                msg = {"omit": False, "forward": _S.forward, "state": state,
                       "argv": list(sys.argv), "script": _script_path(),
                       "libcr_fds": [s.fileno()]}
            s.sendall((json.dumps(msg) + "\n").encode())
            if not _S.omit:
                # Frozen until the checkpoint is written (and any --term/--kill delivered).
                buf = b""
                while b"\n" not in buf:
                    d = s.recv(256)
                    if not d:
                        break
                    buf += d
                _S.checkpoints += 1
        except OSError:
            pass
        finally:
            s.close()
    finally:
        _S.busy = False
    if _S.pending and _S.depth == 0:
        _S.pending = False
        _checkpoint_now()


def enter_cs():
    _S.depth += 1


def leave_cs():
    _S.depth -= 1
    if _S.depth == 0 and _S.pending and not _S.busy:
        _S.pending = False
        _checkpoint_now()


@contextlib.contextmanager
def critical_section():
    """Checkpoint requests arriving inside are deferred to its end
    (like BLCR's cr_enter_cs / cr_leave_cs)."""
    enter_cs()
    try:
        yield
    finally:
        leave_cs()
