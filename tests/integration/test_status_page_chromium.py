"""The demo's status page in a real headless Chromium: what it renders, and how it looks.

The screenshots (desktop and phone width) are saved under `test-output/` for a person to
look at; the test checks the rendered DOM, and that the chart's colour is on the screen.
"""

from __future__ import annotations

import asyncio
import json
import re
import struct
import subprocess
import time
import zlib
from html import escape
from pathlib import Path

from tests.conftest import require_program
from tests.integration.helpers import free_port, process, solar2prom, wait_for_line, wait_http

ROOT = Path(__file__).parents[2]
OUTPUT = ROOT / "test-output"
SUN = (0xE0, 0x8A, 0x00)  # the chart's line colour (outputs/web/status.css, --sun)
POINTS = 40  # of today's production before the screenshot: an hour and more of the demo
SPEED = "1200"  # simulated seconds per second: the demo's sites stay in daylight meanwhile
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    command = [binary, *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, timeout=90, check=True)


def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and RGB pixels of an 8-bit RGB or RGBA, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        if kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0
    step = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(b"".join(chunks)), width * step
    pixels: list[tuple[int, int, int]] = []
    previous = bytearray(stride)
    for row in range(height):
        kind, line = (
            raw[row * (stride + 1)],
            bytearray(raw[row * (stride + 1) + 1 : (row + 1) * (stride + 1)]),
        )
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up, corner = previous[i], previous[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + pred) & 0xFF
        pixels += [tuple(line[i : i + 3]) for i in range(0, stride, step)]  # type: ignore[misc]
        previous = line
    return width, height, pixels


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


async def page_with_chart(url: str, log: Path) -> str:
    """The page once today's chart spans a while (the demo runs simulated time fast)."""
    deadline = time.monotonic() + 60
    while True:
        page = await wait_http(url)
        lines = re.findall(r'<polyline class="line" points="([^"]*)"', page)
        if lines and max(len(p.split()) for p in lines) >= POINTS:
            return page
        assert time.monotonic() < deadline, (
            "no chart with points on the status page (is StatusPage wired into "
            f"outputs/http.py?)\n{tail(log)}"
        )
        await asyncio.sleep(0.5)


async def test_the_demo_status_page_in_headless_chromium(tmp_path: Path) -> None:
    binary = require_program("chromium")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "demo.log"
    OUTPUT.mkdir(exist_ok=True)
    desktop, phone = OUTPUT / "status-page-desktop.png", OUTPUT / "status-page-phone.png"
    demo = solar2prom("demo", "--listen", f"127.0.0.1:{port}", "--speed", SPEED)
    with process(demo, log):
        wait_for_line(log, r"status page at http://127\.0\.0\.1:\d+/")
        await page_with_chart(f"{base}/", log)
        sources = json.loads(await wait_http(f"{base}/healthz"))["sources"]
        sites = re.findall(
            r'^solar_site_info\{[^}]*name="([^"]*)"', await wait_http(f"{base}/metrics"), re.M
        )
        dom = chromium(binary, tmp_path / "profile", "--dump-dom", f"{base}/").stdout.decode()
        for path, size in ((desktop, "1280,1100"), (phone, "412,2600")):
            path.unlink(missing_ok=True)
            shot = (f"--screenshot={path}", f"--window-size={size}", f"{base}/")
            chromium(binary, tmp_path / "profile", *shot)
    assert sources and sites
    for name in sources:
        card = re.search(
            rf'<article class="card" id="source-{re.escape(name)}">(.*?)</article>', dom, re.S
        )
        assert card, name
        assert re.search(r'class="badge (up|down|asleep|starting)"', card.group(1)), name
        for words in ("Last success", "Next poll", "Last error", "Budget"):
            assert words in card.group(1), (name, words)
    for site in sites:
        assert f"<h3>{escape(site)}</h3>" in dom, site
    assert len(re.findall(r"\d+(\.\d+)? k?W</b><span>power now", dom)) == len(sites)
    assert len(re.findall(r"\d+\.\d\d kWh</b><span>today", dom)) == len(sites)
    assert dom.count("<svg") == len(sites)
    for path, width in ((desktop, 1280), (phone, 412)):
        got_width, _, pixels = png_pixels(path.read_bytes())
        assert got_width == width
        sun = sum(1 for p in pixels if all(abs(a - b) <= 12 for a, b in zip(p, SUN, strict=True)))
        assert sun > 20, f"{path}: the production chart is not on the screen"
