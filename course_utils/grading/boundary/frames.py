"""Length-prefixed JSON frames: how the host, the sandboxed student and the trusted judge talk.

A frame is a 4-byte big-endian length followed by that many bytes of UTF-8 JSON.
Standard library only: the sandbox imports this module too.
"""
from __future__ import annotations

import json
import os
import signal
import struct

__all__ = ["write_frame", "send_reply", "read_exact", "read_frame"]


def write_frame(fd: int, obj: object) -> None:
    """Write one length-prefixed JSON frame to a file descriptor."""
    data = json.dumps(obj).encode("utf-8")
    view = memoryview(struct.pack(">I", len(data)) + data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def send_reply(fd: int, obj: object) -> None:
    """Write a frame whole even if an interrupt (the time limit's SIGINT) arrives meanwhile."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        write_frame(fd, obj)
    finally:
        try:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        except KeyboardInterrupt:  # the interrupt was for a cell that has already finished
            pass


def read_exact(fd: int, n: int) -> bytes | None:
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> object | None:
    """Read one frame; ``None`` at end of file."""
    head = read_exact(fd, 4)
    if head is None:
        return None
    body = read_exact(fd, struct.unpack(">I", head)[0])
    return None if body is None else json.loads(body.decode("utf-8"))


