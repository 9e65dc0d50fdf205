"""The fake dmtcp_coordinator: one small daemon per computation, bound to 127.0.0.1 only.

Started by dmtcp_launch / dmtcp_restart (double fork, no setsid: it stays in the caller's process
group and session, so the scheduler's kill of the job reaches it). It knows the computation's root
process(es), and carries out checkpoints: every process of the tree is saved as one image
ckpt_<prog>_<id>.dmtcp (gzip'd JSON) in the checkpoint dir, written as .dmtcp.temp and renamed.

What a process is and how it is saved (see ../README.md):
  coop    a Python app using crfake's libcr (CRFAKE_LIBCR=run, set by dmtcp_launch): frozen and
          asked for its state through libcr's own protocol (abstract socket + signal 64)
  filter  tee or cat reading a pipe: saved once it has written everything it read (blocked in
          read(0) on an empty pipe), so the image and its output file agree, as in a real image
  shell   the root `bash -c SCRIPT`: restored by running SCRIPT again with its children restored
Anything else cannot be checkpointed by the fake: the checkpoint fails (after a grace period for
processes that are still starting, e.g. a pyenv shim).
"""

import errno
import fcntl
import gzip
import json
import os
import shutil
import signal
import socket
import struct
import sys
import termios
import threading
import time

from . import common as C
from crfake import procfs as P  # noqa: E402  (common puts test/fakeblcr on sys.path)

READY_WAIT = float(os.environ.get("DMTCPFAKE_REG_WAIT", "8"))


def _hostid():
    try:
        with open("/etc/machine-id") as fh:
            return fh.read().strip()[:16] or "0"
    except OSError:
        return "%x" % (hash(socket.gethostname()) & 0xFFFFFFFFFFFF)


def _exe(pid):
    try:
        e = os.readlink("/proc/%d/exe" % pid)
    except OSError:
        return ""
    if e.endswith(" (deleted)"):
        e = e[: -len(" (deleted)")]
    return e


def _start(pid):
    st = P.stat_of(pid)
    return st["starttime"] if st else None


class CkptError(Exception):
    pass


class Coordinator:
    def __init__(self, lsock, port, tmpdir):
        self.lsock = lsock
        self.port = port
        self.tmpdir = tmpdir
        self.comp = None
        self.ckptdir = None      # as given (relative stays relative in images)
        self.base = "/"          # cwd the relative ckptdir is relative to
        self.sig = C.DEFAULT_SIGCKPT
        self.interval = 0
        self.roots = []          # [(pid, starttime)]
        self.registry = {}       # (pid, start) -> {id, prog, kind, argv, exe, vpid}
        self.hellos = {}         # pid -> socket
        self.expected = set()    # image ids of a restart not yet back
        self.restore_dir = None
        self.lock = threading.Lock()
        self.ckpt_lock = threading.Lock()
        self.last_ckpt = time.time()
        self.started = time.time()
        self.hostid = _hostid()
        self.generation = 0
        self.stuck = False       # the STUCK knob broke the computation down: it never runs again
        self.stdio = []          # what fds 0-2 of dmtcp_launch / dmtcp_restart referred to

    def log(self, text):
        C.log(self.tmpdir, "coordinator-%d.log" % self.port, text)

    # ------------------------------------------------------------ serving
    def serve(self):
        threading.Thread(target=self.monitor, daemon=True).start()
        while True:
            try:
                conn, _ = self.lsock.accept()
            except OSError:
                continue
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def handle(self, conn):
        rd = C.LineReader(conn)
        keep = False
        try:
            msg = rd.read()
            if msg is None:
                return
            op = msg.get("op")
            if op == "hello":
                keep = True
                self.on_hello(conn, rd, msg)
                return
            if op == "launch":
                reply = self.on_launch(msg)
            elif op == "restart":
                reply = self.on_restart(msg)
            elif op == "status":
                reply = self.status()
            elif op == "checkpoint":
                if msg.get("block", True):
                    reply = self.checkpoint(kill=bool(msg.get("kill")))
                else:
                    threading.Thread(target=self.checkpoint, kwargs={"kill": bool(msg.get("kill"))}, daemon=True).start()
                    reply = {"ok": True}
            elif op == "kill":
                threading.Thread(target=self.kill_all, daemon=True).start()
                reply = {"ok": True}
            elif op == "interval":
                self.interval = int(msg.get("sec", 0))
                reply = {"ok": True}
            elif op == "quit":
                C.send(conn, {"ok": True})
                self.log("quit")
                os._exit(0)
            else:
                reply = {"ok": False, "error": "unknown request %r" % op}
            C.send(conn, reply)
        except Exception as e:  # keep serving
            self.log("error: %r" % (e,))
            try:
                C.send(conn, {"ok": False, "error": str(e)})
            except OSError:
                pass
        finally:
            if not keep:
                conn.close()

    def _adopt(self, msg):
        if self.comp is None:
            self.comp = msg.get("comp")
            self.ckptdir = msg.get("ckptdir") or "."
            self.base = msg.get("cwd") or "/"
            self.sig = int(msg.get("sig") or C.DEFAULT_SIGCKPT)
            self.interval = int(msg.get("interval") or 0)

    def on_launch(self, msg):
        with self.lock:
            self._adopt(msg)
            self.stdio = list(msg.get("stdio") or [])
            pid = int(msg["pid"])
            self.roots.append((pid, _start(pid)))
        self.log("launch root pid=%d" % pid)
        return {"ok": True, "comp": self.comp}

    def on_restart(self, msg):
        with self.lock:
            self._adopt(msg)
            self.stdio = list(msg.get("stdio") or [])
            pid = int(msg["pid"])
            key = (pid, _start(pid))
            self.roots.append(key)
            root = msg["root"]
            for im in msg["images"]:
                if im["id"] == root and im.get("kind") == "shell":
                    self.registry[key] = dict(im, pid=pid)  # bash does not say hello
                else:
                    self.expected.add(im["id"])  # back once it says hello (and has claimed its image)
            self.restore_dir = msg.get("restore_dir")
        self.log("restart root pid=%d, waiting for %d more" % (pid, len(self.expected)))
        return {"ok": True}

    def on_hello(self, conn, rd, msg):
        pid = int(msg["pid"])
        key = (pid, _start(pid))
        with self.lock:
            ent = {"kind": msg.get("kind") or "coop", "vpid": int(msg.get("vpid") or pid)}
            if msg.get("image"):
                ent.update(msg["image"])
                self.expected.discard(ent.get("id"))
            self.registry[key] = ent
            self.hellos[pid] = conn
        C.send(conn, {"ok": True})
        try:
            while rd.read() is not None:
                pass
        except (OSError, ValueError):
            pass
        with self.lock:
            if self.hellos.get(pid) is conn:
                del self.hellos[pid]
        conn.close()

    # ------------------------------------------------------------ the computation
    def live_roots(self):
        return [pid for pid, start in self.roots if P.alive(pid) and _start(pid) == start]

    def tree(self):
        kids = P.children_map()
        out = []
        todo = list(self.live_roots())
        while todo:
            p = todo.pop(0)
            if p in out:
                continue
            out.append(p)
            todo.extend(sorted(kids.get(p, [])))
        return out

    def entry(self, pid):
        return self.registry.get((pid, _start(pid)))

    def classify(self, pid, is_root):
        """coop / filter / shell when it can be saved now; starting; or unsupported."""
        ent = self.entry(pid)
        exe = os.path.basename(_exe(pid))
        try:
            argv = P.cmdline(pid)
        except OSError:
            return "gone"
        age = P.age_seconds(pid) or 0
        if ent and ent.get("kind") == "filter":
            return "filter"
        if exe.startswith("python"):
            if any(os.path.basename(a) in ("dmtcp_launch", "dmtcp_restart") for a in argv[:2]):
                return "starting"
            if P.catches(pid, C.CR_SIGNUM):
                return "coop"
            return "starting" if age < 10 else "unsupported"
        if exe in ("bash", "sh", "dash"):
            if is_root and len(argv) >= 3 and argv[1] == "-c":
                return "shell"
            return "starting" if age < 10 else "unsupported"
        if exe in ("tee", "cat", "sed"):
            return "filter"
        if exe in ("env", "readlink", "dirname", "basename", "pyenv", "uname", "head"):
            return "starting" if age < 10 else "unsupported"  # a pyenv shim at work
        return "starting" if age < 2 else "unsupported"

    def status(self):
        with self.lock:
            tree = self.tree()
            running = bool(tree) and not self.expected and not self.stuck
        if running:
            running = all(self.classify(p, p in self.live_roots()) in ("coop", "filter", "shell") for p in tree)
        return {"ok": True, "peers": len(tree), "running": running, "host": "127.0.0.1", "port": self.port,
                "interval": self.interval, "comp": self.comp, "ckptdir": self.ckptdir}

    # ------------------------------------------------------------ checkpoint
    def checkpoint(self, kill=False):
        with self.ckpt_lock:
            if self.stuck or (C.fault("STUCK") and self._stick()):
                return {"ok": False, "notrunning": True}
            try:
                n = self._checkpoint()
            except CkptError as e:
                self.log("checkpoint failed: %s" % e)
                C.event("checkpoint-failed", error=str(e))
                return {"ok": False, "error": str(e)}
            finally:
                self.last_ckpt = time.time()
            self.log("checkpoint written: %d images" % n)
            C.event("checkpoint", images=n, comp=self.comp)
        if kill:
            self.kill_all()
        return {"ok": True, "images": n}

    def _stick(self):
        """The STUCK knob, as a real DMTCP 5.0 computation was seen to break down (dmtcp.md, last
        section): a process's own log line landed in a socket during the drain, a peer asserted
        (connectionmessage.h:71, signature mismatch), and from then on the coordinator answered every
        checkpoint with "computation not in running state" while the processes stayed alive and
        never moved again. Here: every process of the tree is stopped (SIGSTOP), for good."""
        self.stuck = True
        for p in self.tree():
            try:
                os.kill(p, signal.SIGSTOP)
            except OSError:
                pass
        self.log("checkpoint broke down (STUCK): the computation is not running any more")
        C.event("stuck", comp=self.comp)
        return True

    def _ready_tree(self):
        deadline = time.time() + READY_WAIT
        while True:
            with self.lock:
                if self.expected:
                    kinds = None
                else:
                    roots = set(self.live_roots())
                    tree = self.tree()
                    kinds = {p: self.classify(p, p in roots) for p in tree}
            if kinds is not None:
                if not tree:
                    raise CkptError("no processes to checkpoint")
                kinds = {p: k for p, k in kinds.items() if k != "gone"}
                bad = [p for p, k in kinds.items() if k == "unsupported"]
                if bad:
                    p = bad[0]
                    raise CkptError("the fake cannot checkpoint %s (pid %d): only cooperative Python apps (crfake libcr), "
                                    "a bash -c root and tee/cat filters" % (C.prog_name(P.cmdline(p), _exe(p)), p))
                if all(k in ("coop", "filter", "shell") for k in kinds.values()):
                    return tree, kinds
            if time.time() > deadline:
                raise CkptError("processes still starting: %s" % (kinds,))
            time.sleep(0.05)

    def _freeze(self, pid, deadline):
        """libcr's protocol (as crfake's cr_checkpoint): the app connects back, sends its state, and
        stays frozen until we write a line or close the connection. libcr names the socket by
        getpid(), which is the virtual PID in a restarted process."""
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with self.lock:
            vpid = int((self.entry(pid) or {}).get("vpid") or pid)
        while True:
            try:
                srv.bind("\0crfake-ckpt-%d" % vpid)
                break
            except OSError as e:
                if e.errno != errno.EADDRINUSE or time.time() > deadline:
                    srv.close()
                    raise CkptError("cannot reach pid %d" % pid)
                time.sleep(0.02)
        try:
            srv.listen(4)
            srv.settimeout(0.05)
            os.kill(pid, C.CR_SIGNUM)
            while True:
                try:
                    conn, _ = srv.accept()
                    break
                except socket.timeout:
                    if not P.alive(pid):
                        raise CkptError("pid %d exited during the checkpoint" % pid)
                    if time.time() > deadline:
                        raise CkptError("pid %d does not answer" % pid)
        except ProcessLookupError:
            raise CkptError("pid %d exited during the checkpoint" % pid)
        finally:
            srv.close()
        rd = C.LineReader(conn)
        try:
            msg = rd.read(max(1.0, deadline - time.time()))
        except (OSError, ValueError):
            msg = None
        if msg is None:
            conn.close()
            raise CkptError("pid %d exited during the checkpoint" % pid)
        return conn, msg

    def _quiesce(self, pid, deadline):
        """A filter has written all it read: blocked in read(0, ...) on an empty pipe."""
        calm = 0
        while True:
            try:
                with open("/proc/%d/syscall" % pid) as fh:
                    sc = fh.read().split()
                fd = os.open("/proc/%d/fd/0" % pid, os.O_RDONLY | os.O_NONBLOCK)
                try:
                    n = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
                finally:
                    os.close(fd)
            except OSError:
                if not P.alive(pid):
                    return
                sc, n = [], 1
            if len(sc) >= 2 and sc[0] == "0" and int(sc[1], 16) == 0 and n == 0:
                calm += 1
                if calm >= 2:
                    return
            else:
                calm = 0
            if time.time() > deadline:
                raise CkptError("filter pid %d does not drain its pipe" % pid)
            time.sleep(0.01)

    def _record(self, pid, kind, msg, parent_key):
        ent = self.entry(pid) or {}
        st = P.stat_of(pid) or {}
        argv = ent.get("argv") if kind == "filter" and ent.get("argv") else P.cmdline(pid)
        exe = ent.get("exe") if kind == "filter" and ent.get("exe") else _exe(pid)
        vpid = int(ent.get("vpid") or pid)
        ident = ent.get("id")
        if not ident:
            ident = "%s-%d-%x" % (self.hostid, vpid, int(time.time() * 1e6))
            ent = dict(ent, id=ident, vpid=vpid)
            self.registry[(pid, _start(pid))] = ent
        env = [e for e in P.environ(pid)
               if not e.startswith(("CRFAKE_RESTORE=", C.ENV_RESTORE + "=", C.ENV_SELF + "="))]
        try:
            cwd = os.readlink("/proc/%d/cwd" % pid)
        except OSError:
            cwd = "/"
        exclude = set((msg or {}).get("libcr_fds") or [])
        return {
            "id": ident, "prog": ent.get("prog") or C.prog_name(argv, exe), "kind": kind, "pid": pid,
            "vpid": vpid, "parent_pid": st.get("ppid"), "orphan": st.get("ppid") == 1, "pgid": st.get("pgid"),
            "exe": exe, "argv": argv, "env": env, "cwd": cwd,
            "fds": self._fds(pid, exclude),
            "state": (msg or {}).get("state"), "script": (msg or {}).get("script"),
        }

    def _fds(self, pid, exclude):
        """The process's open fds; each of 0-2 says whether it is still the stdin/stdout/stderr the
        computation was started with (not restored) or a file the computation opened (restored)."""
        fds = P.fd_table(pid, exclude=exclude)
        for f in fds:
            if f["fd"] < 3:
                f["stdio"] = f.get("link") in self.stdio
        return fds

    def _ckptdir(self):
        d = self.ckptdir or "."
        return d if os.path.isabs(d) else os.path.join(self.base, d)

    def _checkpoint(self):
        tree, kinds = self._ready_tree()
        deadline = time.time() + 30
        frozen = []
        try:
            msgs = {}
            for p in tree:
                if kinds[p] == "coop":
                    conn, msg = self._freeze(p, deadline)
                    frozen.append(conn)
                    msgs[p] = msg
            for p in tree:
                if kinds[p] == "filter":
                    self._quiesce(p, time.time() + 10)
            with self.lock:
                recs = {}
                for p in tree:
                    if P.alive(p):
                        recs[p] = self._record(p, kinds[p], msgs.get(p), None)
            ids = {p: r["id"] for p, r in recs.items()}
            for p, r in recs.items():
                r["parent"] = ids.get(r["parent_pid"])
            return self._write(list(recs.values()))
        finally:
            for conn in frozen:
                try:
                    conn.sendall(b"\n")
                except OSError:
                    pass
                conn.close()

    def _write(self, recs):
        given = self.ckptdir or "."
        real = self._ckptdir()
        if not os.path.isdir(real):
            raise CkptError("checkpoint dir %s: No such file or directory" % real)
        members = ["ckpt_%s_%s.dmtcp" % (r["prog"], r["id"]) for r in recs]
        self.generation += 1
        fail = C.parse_errno(C.fault("CKPT_FAIL"))
        delay = C.fault_float("CKPT_DELAY")
        names = []
        for i, r in enumerate(recs):
            base = "ckpt_%s_%s" % (r["prog"], r["id"])
            fdir = base + "_files"
            os.makedirs(os.path.join(real, fdir), exist_ok=True)
            files = [{"orig": C.GCONV, "copy": os.path.join(given, fdir, "gconv-modules.cache"), "mapped": True}]
            shutil.copyfile(C.GCONV, os.path.join(real, fdir, "gconv-modules.cache"))
            for f in r["fds"]:
                if f.get("kind") == "regular" and (f["flags"] & 3) == os.O_RDONLY and not f.get("unlinked"):
                    name = "%d_%s" % (f["fd"], os.path.basename(f["path"]))
                    try:
                        shutil.copyfile(f["path"], os.path.join(real, fdir, name))
                    except OSError:
                        continue
                    files.append({"orig": f["path"], "copy": os.path.join(given, fdir, name), "fd": f["fd"]})
            r["files"] = files
            img = {"magic": C.IMAGE_MAGIC, "computation": self.comp, "members": members, "ckptdir": given,
                   "coord": {"host": socket.gethostname(), "port": self.port}, "interval": self.interval,
                   "sig": self.sig, "time": time.time(), "generation": self.generation, "proc": r}
            data = gzip.compress(json.dumps(img).encode())
            final = os.path.join(real, base + ".dmtcp")
            temp = final + ".temp"
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                half = len(data) // 2
                os.write(fd, data[:half])
                if i == 0 and delay:
                    os.fsync(fd)
                    time.sleep(delay)
                    if not P.alive(r["pid"]):  # killed mid-write: its partial .temp stays behind
                        raise CkptError("pid %d died while writing its image" % r["pid"])
                if i == 0 and fail:
                    os.close(fd)
                    fd = None
                    os.unlink(temp)
                    raise CkptError("writing %s: %s" % (temp, os.strerror(fail)))
                os.write(fd, data[half:])
                os.fsync(fd)
            finally:
                if fd is not None:
                    os.close(fd)
            os.rename(temp, final)
            names.append(final)
        script = os.path.join(real, "dmtcp_restart_script_%s.sh" % self.comp)
        C.write_atomic(script, "#!/bin/bash\n# written by the fake DMTCP coordinator\n"
                       "exec dmtcp_restart -h %s -p %d %s \"$@\"\n"
                       % (socket.gethostname(), self.port, " ".join(names)))
        os.chmod(script, 0o755)
        link = os.path.join(real, "dmtcp_restart_script.sh")
        try:
            os.unlink(link)
        except OSError:
            pass
        os.symlink(os.path.basename(script), link)
        return len(recs)

    # ------------------------------------------------------------ kill, exit on last
    def kill_all(self):
        """dmtcp_command -k / -kc: every process of the computation exits with status 0."""
        with self.lock:
            conns = list(self.hellos.values())
        for c in conns:
            try:
                C.send(c, {"op": "kill"})
            except OSError:
                pass
        end = time.time() + 3
        while time.time() < end and self.tree():
            time.sleep(0.05)
        for p in reversed(self.tree()):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass

    def monitor(self):
        seen_root = False
        while True:
            time.sleep(0.1)
            with self.lock:
                live = self.live_roots()
                hellos = [p for p in self.hellos if P.alive(p)]
                if self.restore_dir and not self.expected:
                    shutil.rmtree(self.restore_dir, ignore_errors=True)
                    self.restore_dir = None
            if self.roots:
                seen_root = True
            if seen_root and not live and not hellos:
                self.log("exit on last client")
                os._exit(0)
            if not seen_root and time.time() - self.started > 60:
                os._exit(0)
            if self.interval > 0 and live and not self.stuck and time.time() - self.last_ckpt >= self.interval:
                self.checkpoint()


def start(port, tmpdir, port_file=None):
    """Bind 127.0.0.1:PORT (0 = any free port) here, so a port in use fails in the caller (errno 98),
    then daemonize the coordinator. Returns the port."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", int(port)))
    ls.listen(64)
    real_port = ls.getsockname()[1]
    pid = os.fork()
    if pid == 0:
        try:
            if os.fork() == 0:
                keep = ls.fileno()
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                try:
                    maxfd = os.sysconf("SC_OPEN_MAX")
                except (ValueError, OSError):
                    maxfd = 1024
                os.closerange(3, keep)
                os.closerange(keep + 1, min(maxfd, 65536))
                os.chdir("/")
                sys.stderr = open(os.devnull, "w")
                try:
                    Coordinator(ls, real_port, tmpdir).serve()
                finally:
                    os._exit(0)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    ls.close()
    if port_file:
        C.write_atomic(port_file, "%d\n" % real_port)
    return real_port
