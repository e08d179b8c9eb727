"""Helpers of the ECU tests: the real frames, their description, and a TCP capture server.

`frames.md` (a byte-for-byte copy of the fixtures' description) gives the decoded values of
every real frame in words; `sections` and `rows` read them so that tests compare with what
the publisher's notes say, not with this decoder's output.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import struct
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from tests.conftest import DATA

FRAMES = DATA / "apsystems" / "ecu_tcp"
HEX_FILES = sorted(FRAMES.glob("*.hex"))


def frame_bytes(name: str | Path) -> bytes:
    path = name if isinstance(name, Path) else FRAMES / name
    return bytes.fromhex(path.read_text().strip())


def sections() -> dict[str, str]:
    """`frames.md` split by `## <file>.hex ...` headings: file name -> section text."""
    text = (FRAMES / "frames.md").read_text(encoding="utf-8")
    parts = re.split(r"^## (\S+\.hex)\b.*$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def rows(section: str) -> list[list[str]]:
    """Cells of the table rows (header and separator rows excluded), backticks removed."""
    found = []
    for line in section.splitlines():
        if not line.startswith("| ") or set(line) <= set("|- "):
            continue
        cells = [c.strip().replace("`", "") for c in line.strip().strip("|").split("|")]
        if cells[0] in ("Field", "UID"):
            continue
        found.append(cells)
    return found


def info_fields(name: str) -> dict[str, str]:
    """The `Field | Value` table of an info frame, keyed by the field's first words."""
    return {cells[0].split(" (")[0]: cells[1] for cells in rows(sections()[name])}


def numbers(text: str) -> list[Decimal]:
    return [Decimal(n) for n in re.findall(r"-?\d+(?:\.\d+)?", text)]


Reply = Callable[[bytes], bytes | None]  # request -> reply bytes (None: answer nothing)
RESET = b"<reset the connection>"


@dataclass
class CaptureEcu:
    """A TCP server answering each command (`0001`, `0002`, `0030`) with scripted bytes.

    Each command has a queue of replies; the last one repeats. A reply of None keeps the
    connection open without answering (a hung ECU); `RESET` resets it (RST). `chunk` sends
    replies in pieces of that many bytes, as a large reply arrives over several TCP segments.
    """

    replies: dict[str, list[Reply]] = field(default_factory=dict)
    requests: list[bytes] = field(default_factory=list)
    open_now: int = 0
    max_open: int = 0
    chunk: int = 0
    port: int = 0

    def script(self, command: str, *replies: bytes | Reply | None) -> None:
        self.replies[command] = [r if callable(r) else _constant(r) for r in replies]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.open_now += 1
        self.max_open = max(self.max_open, self.open_now)
        counted = True
        try:
            request = await reader.readuntil(b"END\n")
            self.requests.append(request)
            queue = self.replies[request[9:13].decode()]
            reply = (queue.pop(0) if len(queue) > 1 else queue[0])(request)
            if reply is None:
                await reader.read()
                return
            if reply == RESET:
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
            step = self.chunk or len(reply)
            for start in range(0, len(reply), step):
                if start + step >= len(reply):
                    # Done once the last byte is handed over: a client that waits for the whole
                    # reply cannot connect again before this, one that does not wait can.
                    self.open_now -= 1
                    counted = False
                writer.write(reply[start : start + step])
                await writer.drain()
                await asyncio.sleep(0)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            if counted:
                self.open_now -= 1
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    def commands(self) -> list[str]:
        return [r[9:13].decode() for r in self.requests]


def _constant(reply: bytes | None) -> Reply:
    return lambda _: reply


@contextlib.asynccontextmanager
async def capture_ecu() -> AsyncIterator[CaptureEcu]:
    ecu = CaptureEcu()
    server = await asyncio.start_server(ecu.handle, "127.0.0.1", 0)
    ecu.port = int(server.sockets[0].getsockname()[1])
    try:
        yield ecu
    finally:
        server.close()
        await server.wait_closed()


def free_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
