"""Slow and silent clients (slowloris) for the connection-limit tests of the staff
console (tests/console/test_connection_limits.py) and the widget server
(tests/widget/test_serve_limits.py)."""

from __future__ import annotations

import socket
from contextlib import contextmanager
from typing import Iterator, List


@contextmanager
def half_open(port: int, count: int, partial_request: bytes) -> Iterator[List[socket.socket]]:
    """`count` connections to 127.0.0.1:`port` that never finish a request: every
    second one sends `partial_request` (part of a request line), the others
    nothing. All are closed on leaving the block, even if opening one failed."""
    sockets: List[socket.socket] = []
    try:
        for index in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sockets.append(sock)
            if index % 2:
                sock.sendall(partial_request)
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def closed_by_server(sock: socket.socket, seconds: float) -> bool:
    """True if the server closes (or resets) the connection, with no more than
    `seconds` of silence before it; whatever it sends first (a 408, say) is read past."""
    sock.settimeout(seconds)
    try:
        while True:
            if sock.recv(4096) == b"":
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
