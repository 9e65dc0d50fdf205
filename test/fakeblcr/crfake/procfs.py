"""Reading process state from /proc the way the BLCR kernel module would see it."""

import ctypes
import os
import platform
import stat
import time

# minor -> path for MEM_MAJOR (1), as in cr_rstrt_req.c cr_restore_open_chr
MEM_TABLE = {1: "/dev/mem", 2: "/dev/kmem", 3: "/dev/null", 4: "/dev/port", 5: "/dev/zero",
             6: "/dev/core", 7: "/dev/full", 8: "/dev/random", 9: "/dev/urandom",
             10: "/dev/aio", 11: "/dev/kmsg"}
TTY_MAJORS = set([4, 5]) | set(range(136, 144))


def all_pids():
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            out.append(int(name))
    return out


def stat_of(pid):
    try:
        with open("/proc/%d/stat" % pid, "rb") as fh:
            s = fh.read().decode("utf-8", "replace")
    except OSError:
        return None
    lp = s.find("(")
    rp = s.rfind(")")
    f = s[rp + 2:].split()
    try:
        return {"pid": pid, "comm": s[lp + 1:rp], "state": f[0], "ppid": int(f[1]),
                "pgid": int(f[2]), "sid": int(f[3]), "starttime": int(f[19])}
    except (IndexError, ValueError):
        return None


def alive(pid):
    """Exists and is not a zombie."""
    st = stat_of(pid)
    return st is not None and st["state"] not in ("Z", "X", "x")


def pid_in_use(pid):
    """Any /proc/<pid> entry (processes, zombies and thread ids)."""
    return os.path.exists("/proc/%d" % pid)


def _mask_to_set(hexstr):
    v = int(hexstr, 16)
    return sorted(i + 1 for i in range(64) if v & (1 << i))


def signal_masks(pid):
    out = {}
    try:
        with open("/proc/%d/status" % pid) as fh:
            for line in fh:
                k, _, v = line.partition(":")
                if k in ("SigIgn", "SigBlk", "SigCgt"):
                    out[k] = _mask_to_set(v.strip())
    except OSError:
        return None
    return out


def catches(pid, sig):
    m = signal_masks(pid)
    return bool(m) and sig in m.get("SigCgt", [])


def cmdline(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as fh:
        raw = fh.read()
    parts = raw.split(b"\0")
    if parts and parts[-1] == b"":
        parts.pop()
    return [p.decode("utf-8", "surrogateescape") for p in parts]


def environ(pid):
    with open("/proc/%d/environ" % pid, "rb") as fh:
        raw = fh.read()
    return [p.decode("utf-8", "surrogateescape") for p in raw.split(b"\0") if p]


def env_has(pid, name):
    try:
        return any(e.startswith(name + "=") for e in environ(pid))
    except OSError:
        return False


def age_seconds(pid):
    st = stat_of(pid)
    if st is None:
        return None
    try:
        with open("/proc/uptime") as fh:
            up = float(fh.read().split()[0])
    except OSError:
        return None
    hz = os.sysconf("SC_CLK_TCK")
    return up - st["starttime"] / float(hz)


def children_map():
    kids = {}
    for p in all_pids():
        st = stat_of(p)
        if st is None or st["state"] in ("Z", "X", "x"):
            continue
        kids.setdefault(st["ppid"], []).append(p)
    return kids


def members(kind, ident):
    """Live processes whose pgid / sid equals ident."""
    out = []
    for p in all_pids():
        st = stat_of(p)
        if st is None or st["state"] in ("Z", "X", "x"):
            continue
        if st[kind] == ident:
            out.append(p)
    return sorted(out)


# kcmp(2) to find fds sharing one open file description (like `2>&1`)
_KCMP_NR = {"x86_64": 312, "aarch64": 272, "i686": 349, "i386": 349, "armv7l": 378,
            "ppc64le": 354, "s390x": 343, "riscv64": 272}
_libc = None


def same_description(pid, fd1, fd2):
    global _libc
    nr = _KCMP_NR.get(platform.machine())
    if nr is None:
        return None
    try:
        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
        r = _libc.syscall(ctypes.c_long(nr), ctypes.c_int(pid), ctypes.c_int(pid),
                          ctypes.c_int(0), ctypes.c_ulong(fd1), ctypes.c_ulong(fd2))
    except Exception:
        return None
    if r < 0:
        return None
    return r == 0


def fdinfo(pid, fd):
    info = {}
    with open("/proc/%d/fdinfo/%d" % (pid, fd)) as fh:
        for line in fh:
            k, _, v = line.partition(":")
            info[k.strip()] = v.strip()
    return {"pos": int(info.get("pos", "0")), "flags": int(info.get("flags", "0"), 8),
            "ino": info.get("ino")}


def fd_table(pid, exclude=(), save_unlinked_limit=1 << 20):
    """What BLCR saves per open fd. Returns a list sorted by fd."""
    out = []
    try:
        names = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return out
    for name in names:
        fd = int(name)
        if fd in exclude:
            continue
        base = "/proc/%d/fd/%d" % (pid, fd)
        try:
            link = os.readlink(base)
            fi = fdinfo(pid, fd)
        except OSError:
            continue
        try:
            st = os.stat(base)
        except OSError:
            st = None
        ent = {"fd": fd, "link": link, "flags": fi["flags"], "pos": fi["pos"]}
        mode = st.st_mode if st else 0
        if link.startswith("anon_inode:") or st is None:
            ent["kind"] = "other"
        elif stat.S_ISREG(mode):
            ent["kind"] = "regular"
            path = link
            if path.endswith(" (deleted)") and not os.path.exists(path):
                path = path[: -len(" (deleted)")]
                ent["unlinked"] = True
                if st.st_size <= save_unlinked_limit:
                    try:
                        with open(base, "rb") as fh:
                            ent["contents_hex"] = fh.read().hex()
                    except OSError:
                        pass
            ent["path"] = path
            ent["size"] = st.st_size
            ent["mode"] = stat.S_IMODE(mode)
        elif stat.S_ISDIR(mode):
            ent["kind"] = "dir"
            ent["path"] = link
        elif stat.S_ISFIFO(mode):
            if link.startswith("/"):
                ent["kind"] = "fifo"
                ent["path"] = link
            else:
                ent["kind"] = "pipe"
        elif stat.S_ISCHR(mode):
            maj, mi = os.major(st.st_rdev), os.minor(st.st_rdev)
            ent["rdev"] = [maj, mi]
            if maj == 1 and mi in MEM_TABLE:
                ent["kind"] = "chr-mem"
                ent["path"] = MEM_TABLE[mi]
            elif maj == 5 and mi == 0:
                ent["kind"] = "chr-mem"
                ent["path"] = "/dev/tty"
            elif maj in TTY_MAJORS:
                ent["kind"] = "tty"
            else:
                ent["kind"] = "chr-dev"
        elif stat.S_ISSOCK(mode):
            ent["kind"] = "socket"
        else:
            ent["kind"] = "other"
        out.append(ent)
    out.sort(key=lambda e: e["fd"])
    # shared open file descriptions (dup/2>&1): mark later fds as dups of the first
    for i, a in enumerate(out):
        if "dup_of" in a:
            continue
        for b in out[i + 1:]:
            if "dup_of" in b or b["link"] != a["link"]:
                continue
            same = same_description(pid, a["fd"], b["fd"])
            if same is None:  # no kcmp: heuristic
                same = (b["flags"] & ~0o2000000) == (a["flags"] & ~0o2000000) and b["pos"] == a["pos"]
            if same:
                b["dup_of"] = a["fd"]
    return out


def wait_until(pred, timeout, step=0.02):
    end = time.time() + timeout
    while True:
        if pred():
            return True
        if time.time() >= end:
            return False
        time.sleep(step)
