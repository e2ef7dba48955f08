"""Taking the network away from a process: a seccomp filter that refuses every socket that is not
a local (AF_UNIX) one.

The server's query workers install it before they open the store, so the query engine cannot
send a request anywhere, whatever a query says: even a gap in the query checks cannot become a
request to another host. A worker talks to the server over a pipe it already holds, so it loses
nothing it needs. The filter is Linux's (x86-64 and arm64); elsewhere :func:`deny_network`
returns False and the server says so in its log.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct
import sys

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_AF_UNIX = 1

# BPF instruction classes and fields (linux/filter.h)
_LD_W_ABS = 0x20   # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15      # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x35      # BPF_JMP | BPF_JGE | BPF_K
_RET_K = 0x06      # BPF_RET | BPF_K

# offsets in struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]
_NR, _ARCH, _ARG0 = 0, 4, 16

_ARCHES = {
    # machine: (AUDIT_ARCH_*, __NR_socket, __NR_socketpair, lowest syscall number of another ABI)
    "x86_64": (0xC000003E, 41, 53, 0x40000000),  # x32 calls have bit 30 set
    "aarch64": (0xC00000B7, 198, 199, None),
}


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _program(arch: int, nr_socket: int, nr_socketpair: int, other_abi: int | None
             ) -> list[tuple[int, int, int, int]]:
    deny = _SECCOMP_RET_ERRNO | errno.EACCES
    program = [
        (_LD_W_ABS, 0, 0, _ARCH),
        (_JEQ_K, 1, 0, arch),                 # our ABI: go on; another: refuse the call
        (_RET_K, 0, 0, deny),
        (_LD_W_ABS, 0, 0, _NR),
    ]
    if other_abi is not None:
        program += [(_JGE_K, 0, 1, other_abi), (_RET_K, 0, 0, deny)]
    program += [
        (_JEQ_K, 2, 0, nr_socket),
        (_JEQ_K, 1, 0, nr_socketpair),
        (_RET_K, 0, 0, _SECCOMP_RET_ALLOW),   # any other call
        (_LD_W_ABS, 0, 0, _ARG0),             # the address family (low 32 bits, little-endian)
        (_JEQ_K, 0, 1, _AF_UNIX),
        (_RET_K, 0, 0, _SECCOMP_RET_ALLOW),
        (_RET_K, 0, 0, deny),
    ]
    return program


def deny_network() -> bool:
    """Refuse, from now on, every new socket of this process and its threads and children that
    is not AF_UNIX (creating one fails with EACCES). Returns False where this cannot be done;
    a filter once installed cannot be removed. Call it before the process starts threads."""
    machine = platform.machine().lower()
    if sys.platform != "linux" or machine not in _ARCHES or struct.calcsize("P") != 8:
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    program = _program(*_ARCHES[machine])
    filters = (_SockFilter * len(program))(*(_SockFilter(*insn) for insn in program))
    fprog = _SockFprog(len(program), filters)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0
