"""The grading child's network: inside a fresh network namespace only `lo` exists, and it is down."""

from __future__ import annotations


def bring_up_loopback() -> None:
    """Inside a fresh network namespace only `lo` exists, and it is down: bring it up (needs CAP_NET_ADMIN)."""
    import fcntl
    import socket
    import struct

    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock, siocgifflags, request)[:18])[1]
        fcntl.ioctl(sock, siocsifflags, struct.pack("16sH", b"lo", flags | iff_up))
