"""Framing of the ECU's port-8899 protocol: requests out, replies checked before any decoding.

Every message is ASCII `APS`, a two-digit version (`11`; the ECU-R-Pro answers system info
with `12`), four ASCII digits giving the length of everything but the final newline, a
four-digit command, the payload, and `END` + newline. A reply is accepted only when all of
these hold and it echoes the command that was sent: a frame that fails one check is a
`FrameError`, never a half-decoded value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

HEADER_SIZE = 9  # "APS" + version + length field: enough to know how much more to read
TRAILER = b"END\n"
# Header, command and trailer: the shortest frame that can be valid.
MIN_FRAME = HEADER_SIZE + 4 + len(TRAILER)
_HEADER = re.compile(rb"^APS(\d\d)(\d{4})$")
_ECU_ID = re.compile(r"^\d{12}$")


class Command(StrEnum):
    SYSTEM_INFO = "0001"
    REALTIME = "0002"
    SIGNAL = "0030"


class FrameError(ValueError):
    """A reply that is not a complete, consistent frame of the command asked."""


def request(command: Command, ecu_id: str = "") -> bytes:
    """The request for `command`; real-time data and signal levels name the ECU."""
    if command is not Command.SYSTEM_INFO and not _ECU_ID.match(ecu_id):
        raise ValueError("an ECU id is 12 digits")
    body = f"{command.value}{ecu_id}END"
    return f"APS11{HEADER_SIZE + len(body):04d}{body}\n".encode("ascii")


def frame_size(header: bytes) -> int:
    """The total size in bytes (newline included) of the frame that `header` starts."""
    match = _HEADER.match(header)
    if match is None:
        raise FrameError("the reply does not start with an APS header")
    size = int(match.group(2)) + 1
    if size < MIN_FRAME:
        raise FrameError(f"the length field says {size - 1}, shorter than any frame")
    return size


@dataclass(frozen=True, slots=True)
class Frame:
    """A validated reply: `data` is the whole frame, so offsets are those of the reference."""

    version: str
    command: Command
    data: bytes

    @property
    def end(self) -> int:
        """Offset of the `END` marker: the payload ends here."""
        return len(self.data) - len(TRAILER)

    @classmethod
    def parse(cls, data: bytes, command: Command) -> Frame:
        if len(data) < MIN_FRAME:
            raise FrameError(f"a reply of {len(data)} bytes is too short for a frame")
        size = frame_size(data[:HEADER_SIZE])
        if size != len(data):
            raise FrameError(f"the length field says {size} bytes, the reply has {len(data)}")
        if not data.endswith(TRAILER):
            raise FrameError("the reply does not end with END")
        echoed = data[HEADER_SIZE : HEADER_SIZE + 4]
        if echoed != command.value.encode("ascii"):
            shown = echoed.decode("ascii", "replace")
            raise FrameError(f"asked for command {command.value}, the reply is for {shown!r}")
        return cls(data[3:5].decode("ascii"), command, data)
