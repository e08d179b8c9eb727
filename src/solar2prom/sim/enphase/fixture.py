"""A gateway that answers from a folder of real captures (the layout of the pyenphase fixtures).

One folder is one installation at one moment: the answers never change. A body file is named
after the request path without its leading `/`, with `/`, `?`, `=`, `&` and spaces replaced by
`_` (`/production.json?details=1` → `production.json_details_1`); `<name>_log.json` beside it
gives the HTTP status (`code`) and the headers the gateway sent (a missing log means 200).
Firmware older than 7.6 ignores `?details=1`, and the older captures hold no
`production.json_details_1`: `production.json` answers for it then. A path with no file is
answered 404, as the gateway does for endpoints its firmware lacks.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from solar2prom.sim.enphase.gateway import JSON, Answer

_SEPARATORS = re.compile(r"[/?=& ]")
_DETAILS = "/production.json?details=1"
_NOT_BODIES = ("_log.json", "_readme")


def file_name(path_qs: str) -> str:
    return _SEPARATORS.sub("_", path_qs.lstrip("/"))


class FixtureGateway:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        device = ET.fromstring((folder / "info").read_bytes()).find("device")
        if device is None:
            raise ValueError(f"{folder}/info has no <device>")
        self.serial = (device.findtext("sn") or "").strip()
        self.firmware = (device.findtext("software") or "").strip()[1:]
        self.timezone = self._home_timezone()

    def _home_timezone(self) -> str:
        try:
            home = json.loads((self.folder / "home").read_bytes())
        except (OSError, ValueError):
            return "UTC"
        zone = home.get("timezone") if isinstance(home, dict) else None
        return zone if isinstance(zone, str) and zone else "UTC"

    def answer(self, path_qs: str, now: float) -> Answer | None:
        name = file_name(path_qs)
        if not name or name.endswith(_NOT_BODIES):
            return None
        body_file = self.folder / name
        if not body_file.is_file() and path_qs == _DETAILS:
            name = file_name("/production.json")
            body_file = self.folder / name
        if not body_file.is_file():
            return None
        status, content_type = self._log(name)
        body = body_file.read_bytes()
        return Answer(status, body, content_type or _guess_type(name, body))

    def _log(self, name: str) -> tuple[int, str | None]:
        try:
            log = json.loads((self.folder / f"{name}_log.json").read_bytes())
        except (OSError, ValueError):
            return 200, None
        headers = log.get("headers") or {}
        content_type = headers.get("content-type") if isinstance(headers, dict) else None
        return int(log.get("code", 200)), content_type if isinstance(content_type, str) else None


def _guess_type(name: str, body: bytes) -> str:
    start = body.lstrip()[:1]
    if name == "info" or body.lstrip().startswith(b"<?xml"):
        return "text/xml"
    if start in (b"{", b"["):
        return JSON
    return "text/html"
