"""No network for the processes that evaluate user input (defence in depth behind sparql.inspect_*).

The query workers and the trial-update child call `isolate_network()` first thing: it moves the
process into a network namespace of its own, which has no interface but a loopback that is down,
so every connect() fails with ENETUNREACH, whatever address a SERVICE or LOAD names — 127.0.0.1 and
the backing store included. Python 3.11 has no os.unshare, so this calls unshare(2) through ctypes.

Where it works: as root, unshare(CLONE_NEWNET); otherwise unshare(CLONE_NEWUSER | CLONE_NEWNET),
which unprivileged processes may do on kernels that allow user namespaces (most distributions; not
where kernel.unprivileged_userns_clone=0, user.max_user_namespaces=0, or a seccomp profile such as
Docker's default forbids unshare). It must run before the process starts threads (the kernel
refuses CLONE_NEWUSER in a multi-threaded process). Where neither works the process keeps the
network, `isolate_network()` returns False and logs a warning: the parser check still refuses
SERVICE and LOAD, but nothing stands behind it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import logging
import os

log = logging.getLogger(__name__)

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000

_isolated = False


def _unshare(flags: int) -> int:
    """unshare(2); 0 or the errno."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        unshare = libc.unshare
    except (OSError, AttributeError):  # no libc or no unshare (not Linux)
        return errno.ENOSYS
    unshare.argtypes = [ctypes.c_int]
    unshare.restype = ctypes.c_int
    if unshare(flags) == 0:
        return 0
    return ctypes.get_errno() or errno.EPERM


def isolate_network() -> bool:
    """Cut this process off from every network (a new, empty network namespace); True if it worked.

    Call it in a fresh single-threaded child before it reads user input. False, with a warning in
    the log, where the kernel or the container allows neither way of doing it.
    """
    global _isolated
    if _isolated:
        return True
    attempts = [CLONE_NEWNET] if os.geteuid() == 0 else []
    attempts.append(CLONE_NEWUSER | CLONE_NEWNET)
    failures = []
    for flags in attempts:
        code = _unshare(flags)
        if code == 0:
            _isolated = True
            return True
        failures.append(f"{_describe(flags)}: {os.strerror(code)}")
    log.warning("no network isolation for this process (%s); user queries and updates here are kept off the "
                "network by the SPARQL parser check alone", "; ".join(failures))
    return False


def is_isolated() -> bool:
    """True once isolate_network() has succeeded in this process."""
    return _isolated


def _describe(flags: int) -> str:
    names = [name for name, bit in (("CLONE_NEWUSER", CLONE_NEWUSER), ("CLONE_NEWNET", CLONE_NEWNET)) if flags & bit]
    return "unshare(" + " | ".join(names) + ")"


__all__ = ["isolate_network", "is_isolated"]
