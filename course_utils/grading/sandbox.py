"""Isolate the process that runs a student's code, with Linux namespaces (no privileges needed).

`isolate(work_dir, hidden)` moves the calling process into new user, mount and PID namespaces:

- every mount becomes read-only except `work_dir` (where the question writes its results), so
  the student's code cannot change the course, other submissions, the gradebook, or a folder the
  grader imports from;
- the folders in `hidden` (the checkout's solutions/ and .git/) are covered by empty mounts;
- the next child it forks is process 1 of a new PID namespace: it sees and can signal only its
  own descendants, and when it ends the kernel ends all of them.

The calling process must have a single thread (a freshly forked child has). Linux only, and only
where unprivileged user namespaces are allowed: elsewhere `isolate` raises `SandboxUnavailable`
and the worker falls back to its Python-level guard.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import tempfile

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x10000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
MS_NOATIME, MS_NODIRATIME, MS_RELATIME, MS_STRICTATIME = 0x400, 0x800, 0x200000, 0x1000000
PR_SET_PDEATHSIG = 1
# per-mount options that a remount inside a user namespace must keep (the kernel locks them)
KEPT_OPTIONS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC, "noatime": MS_NOATIME,
                "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME, "strictatime": MS_STRICTATIME}
KERNEL_TREES = ("/proc", "/sys", "/dev")  # left as they are: device files and kernel views, not files


NOT_PERMITTED = "namespaces not permitted on this machine"


class SandboxUnavailable(RuntimeError):
    """This machine does not let the grader build the namespaces."""


def _libc():
    path = ctypes.util.find_library("c")
    if not path or not os.path.exists("/proc/self/mountinfo"):
        raise SandboxUnavailable(f"{NOT_PERMITTED}: not Linux with /proc")
    return ctypes.CDLL(path, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise SandboxUnavailable(f"{what}: {os.strerror(err)}")


def _mount(libc, source, target: str, fstype, flags: int, what: str) -> None:
    enc = lambda s: None if s is None else os.fsencode(s)
    _check(libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), None), f"{what} {target}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def mount_points() -> list[tuple[str, set[str]]]:
    """(mount point, per-mount options) of every mount this process sees, parents first."""
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])  # \040 is a space
            points.append((point, set(fields[5].split(","))))
    return points


def _inside(path: str, tree: str) -> bool:
    return path == tree or path.startswith(tree.rstrip("/") + "/")


def isolate(work_dir: str | os.PathLike, hidden: tuple[str | os.PathLike, ...] = ()) -> None:
    """Enter new user, mount and PID namespaces and lock the file system down (see the module doc)."""
    libc = _libc()
    uid, gid = os.getuid(), os.getgid()
    try:                           # what a machine may forbid (a container without user namespaces)
        _check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID), "unshare")
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
        _mount(libc, None, "/", None, MS_REC | MS_PRIVATE, "make private")  # nothing leaks out to the host
    except (OSError, SandboxUnavailable) as exc:
        raise SandboxUnavailable(f"{NOT_PERMITTED}: {exc}") from None
    work_dir = os.path.realpath(work_dir)
    _mount(libc, work_dir, work_dir, None, MS_BIND, "bind")             # its own mount: stays writable
    for folder in hidden:
        folder = os.path.realpath(folder)
        if os.path.isdir(folder):
            _mount(libc, "tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "hide")
    for point, options in mount_points():
        if point == work_dir or any(_inside(point, tree) for tree in KERNEL_TREES):
            continue
        kept = sum(flag for name, flag in KEPT_OPTIONS.items() if name in options)
        try:
            _mount(libc, None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept, "read-only")
        except SandboxUnavailable:
            if point == "/":
                raise
    _verify(work_dir, hidden)


def _verify(work_dir: str, hidden) -> None:
    """Fail loudly rather than run a student's code in a sandbox that is not there."""
    for folder in hidden:
        if os.path.isdir(folder) and os.listdir(folder):
            raise SandboxUnavailable(f"{folder} is still visible")
    probe = os.path.join(os.path.dirname(work_dir), f".sandbox-probe-{os.getpid()}")
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return                                                            # refused, as it should be
    os.close(fd)
    os.unlink(probe)
    raise SandboxUnavailable("the file system is still writable")


def die_with_parent(signal_number: int = 9) -> None:
    """Ask the kernel to send `signal_number` to this process when its parent ends."""
    try:
        _check(_libc().prctl(PR_SET_PDEATHSIG, signal_number, 0, 0, 0), "prctl")
    except SandboxUnavailable:
        pass


def available() -> str:
    """"" when `isolate` works on this machine, else why not (tried in a throw-away child process)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        try:
            work = os.path.join(tempfile.gettempdir(), f".sandbox-check-{os.getpid()}")
            os.makedirs(work, exist_ok=True)
            isolate(work)
            message = b""
        except Exception as exc:  # report any failure to the parent
            message = str(exc).encode() or b"failed"
        os.write(write_fd, message)
        os._exit(0)
    os.close(write_fd)
    chunks = []
    while chunk := os.read(read_fd, 4096):
        chunks.append(chunk)
    os.close(read_fd)
    os.waitpid(pid, 0)
    try:
        os.rmdir(os.path.join(tempfile.gettempdir(), f".sandbox-check-{pid}"))
    except OSError:
        pass
    return b"".join(chunks).decode("utf-8", "replace")
