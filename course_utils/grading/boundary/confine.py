"""Kernel-enforced limits a student's process puts on itself before it runs any student code.

Standard library only (``ctypes`` for the system calls): the sandbox imports this module too.

* :func:`deny_syscalls` installs a seccomp filter, in every sandbox mode, that refuses the
  system calls a notebook never needs and that would escape the memory limit or outlive the
  student: anonymous memory files (``memfd_create``), System V shared memory, semaphores and
  message queues, POSIX message queues, new processes (``fork``, ``clone`` without
  ``CLONE_THREAD``; threads still work), signals to other processes, ``ptrace`` and reading
  other processes' memory, new namespaces. A refused call fails with ``EPERM`` like any
  other refused operation.
* :func:`restrict_files` applies a Landlock ruleset (Linux 5.13 and later): the process may read
  only the given folders and write only its working folder, may not connect to TCP ports
  (Landlock 4+), and may not signal processes outside it (Landlock 6+). Used when grading runs
  without bubblewrap, so that the gradebook, the solutions and every file outside the student's
  folder stay out of reach.
"""
from __future__ import annotations

import ctypes
import os
import platform
import struct

__all__ = ["DENIED", "deny_syscalls", "landlock_abi", "restrict_files"]

# name: (x86_64 number, aarch64 number); None where the call does not exist.
SYSCALLS = {
    "memfd_create": (319, 279), "memfd_secret": (447, 447), "shmget": (29, 194), "shmat": (30, 196),
    "shmctl": (31, 195), "semget": (64, 190), "semop": (65, 193), "semctl": (66, 191), "semtimedop": (220, 192),
    "msgget": (68, 186), "msgsnd": (69, 189), "msgrcv": (70, 188), "msgctl": (71, 187), "mq_open": (240, 180),
    "fork": (57, None), "vfork": (58, None), "ptrace": (101, 117), "process_vm_readv": (310, 270),
    "process_vm_writev": (311, 271), "unshare": (272, 97), "setns": (308, 268), "userfaultfd": (323, 282),
    "mount": (165, 40), "pivot_root": (155, 41), "keyctl": (250, 219), "add_key": (248, 217),
}
DENIED = tuple(SYSCALLS)
CLONE, CLONE3 = (56, 220), (435, 435)
KILL, TKILL, TGKILL = (62, 129), (200, 130), (234, 131)
ARCHES = {"x86_64": (0, 0xC000003E), "amd64": (0, 0xC000003E), "aarch64": (1, 0xC00000B7), "arm64": (1, 0xC00000B7)}
CLONE_THREAD = 0x00010000
EPERM, ENOSYS = 1, 38
RET_ALLOW, RET_ERRNO = 0x7FFF0000, 0x00050000
LD_ABS, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _program(arch: int, audit: int, pid: int) -> list[tuple[int, int, int, int]]:
    """The BPF filter as (code, jt, jf, k), with jumps resolved."""
    code: list[list] = []  # [op, jt label or offset, jf label or offset, k]

    def op(o, k, jt=0, jf=0):
        code.append([o, jt, jf, k])

    op(LD_ABS, 4)                                         # arch
    op(JEQ, audit, 0, "deny")                             # a foreign ABI (i386 on x86_64): refuse everything
    op(LD_ABS, 0)                                         # syscall number
    op(JGE, 0x40000000, "deny", 0)                        # the x32 ABI
    for name, numbers in SYSCALLS.items():
        if numbers[arch] is not None:
            op(JEQ, numbers[arch], "deny", 0)
    op(JEQ, CLONE3[arch], "nosys", 0)                     # glibc then falls back to clone()
    op(JEQ, CLONE[arch], "clone", 0)
    for numbers, arg in ((KILL, 16), (TKILL, 16), (TGKILL, 16)):
        op(JEQ, numbers[arch], f"own{arg}", 0)
    op(RET, RET_ALLOW)
    labels = {"clone": len(code)}
    op(LD_ABS, 16)                                        # clone's flags (low 32 bits of arg 0)
    op(JSET, CLONE_THREAD, "allow", "deny")
    labels["own16"] = len(code)
    op(LD_ABS, 16)                                        # kill/tkill/tgkill: pid (or tgid) in arg 0
    op(JEQ, pid & 0xFFFFFFFF, "allow", 0)
    op(JEQ, 0, "allow", "deny")                           # 0: own process group (the child leads its own)
    labels["allow"] = len(code)
    op(RET, RET_ALLOW)
    labels["deny"] = len(code)
    op(RET, RET_ERRNO | EPERM)
    labels["nosys"] = len(code)
    op(RET, RET_ERRNO | ENOSYS)
    out = []
    for i, (o, jt, jf, k) in enumerate(code):
        jt = labels[jt] - i - 1 if isinstance(jt, str) else jt
        jf = labels[jf] - i - 1 if isinstance(jf, str) else jf
        if not (0 <= jt < 256 and 0 <= jf < 256):
            raise ValueError("seccomp program too long")
        out.append((o, jt, jf, k))
    return out


def deny_syscalls() -> bool:
    """Install the filter on this process and its future threads and children; False when unsupported."""
    machine = platform.machine().lower()
    if machine not in ARCHES or not hasattr(os, "getpid"):
        return False
    arch, audit = ARCHES[machine]
    program = _program(arch, audit, os.getpid())
    raw = b"".join(struct.pack("HBBI", *ins) for ins in program)
    buf = ctypes.create_string_buffer(raw, len(raw))

    class FProg(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = FProg(len(program), ctypes.addressof(buf))
    libc = _libc()
    if libc.prctl(38, 1, 0, 0, 0) != 0:               # PR_SET_NO_NEW_PRIVS
        return False
    return libc.prctl(22, 2, ctypes.byref(prog), 0, 0) == 0   # PR_SET_SECCOMP, SECCOMP_MODE_FILTER


# ---------------------------------------------------------------------------------------------- Landlock
CREATE_RULESET, ADD_RULE, RESTRICT_SELF = 444, 445, 446
FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FS_ALL_V1 = (1 << 13) - 1
FS_REFER, FS_TRUNCATE, FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV
NET_ALL = 3            # bind and connect to TCP ports
SCOPE_ALL = 3          # abstract unix sockets and signals outside the domain


def landlock_abi() -> int:
    """The kernel's Landlock version (0 when it has none)."""
    try:
        libc = _libc()
        version = libc.syscall(CREATE_RULESET, None, 0, 1)   # LANDLOCK_CREATE_RULESET_VERSION
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def _handled(abi: int) -> int:
    fs = FS_ALL_V1
    if abi >= 2:
        fs |= FS_REFER
    if abi >= 3:
        fs |= FS_TRUNCATE
    if abi >= 5:
        fs |= FS_IOCTL_DEV
    return fs


def restrict_files(readable: list[str], writable: list[str]) -> int:
    """Allow only reading ``readable`` and reading and writing ``writable``; returns the Landlock version applied
    (0: the kernel has no Landlock and nothing was restricted)."""
    abi = landlock_abi()
    if abi < 1:
        return 0
    libc = _libc()
    fs = _handled(abi)
    attr = struct.pack("QQQ", fs, NET_ALL if abi >= 4 else 0, SCOPE_ALL if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    buf = ctypes.create_string_buffer(attr[:size], size)
    ruleset = libc.syscall(CREATE_RULESET, buf, size, 0)
    if ruleset < 0:
        return 0
    try:
        read = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
        for paths, rights in ((readable, read), (writable, fs)):
            for path in paths:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue
                try:
                    allowed = rights if os.path.isdir(path) else rights & FILE_RIGHTS
                    rule = ctypes.create_string_buffer(struct.pack("=Qi", allowed, fd), 12)
                    libc.syscall(ADD_RULE, ruleset, 1, rule, 0)
                finally:
                    os.close(fd)
        if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.syscall(RESTRICT_SELF, ruleset, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
    return abi
