"""The `solar2prom` command (SPEC §3)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from solar2prom import __version__
from solar2prom.app import Application
from solar2prom.config import AppConfig, ListenAddress, load_config, parse_listen
from solar2prom.core.clock import Clock, SystemClock
from solar2prom.core.errors import ConfigError, SourceError
from solar2prom.core.files import StateFolderError, write_atomic
from solar2prom.core.model import Reading
from solar2prom.core.samples import Sample, kept_in_history
from solar2prom.outputs.export import export_command
from solar2prom.progress import ProgressBar
from solar2prom.signals import wait_for_signal
from solar2prom.sources.apsystems.legacy import legacy_config
from solar2prom.sources.base import Backfiller, Discovery

log = logging.getLogger("solar2prom")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="solar2prom",
        description="Solar PV data from vendor clouds and gateways as Prometheus metrics.",
    )
    parser.add_argument("--version", action="version", version=f"solar2prom {__version__}")
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    # No command at all is `run` without a config file: apsystems2prom's legacy mode.
    sub = parser.add_subparsers(dest="command", required=False, metavar="COMMAND")

    run = sub.add_parser("run", help="poll every source and serve /metrics, /healthz and /")
    run.add_argument(
        "-c", "--config", type=Path, help="the config file (without it: apsystems2prom's variables)"
    )
    run.add_argument("--listen", help="host:port or :port (default: the config's listen)")

    collect = sub.add_parser("collect", help="poll every source once and print the exposition")
    collect.add_argument("-c", "--config", type=Path, required=True)
    collect.add_argument("-o", "--output", type=Path, help="write atomically to this file")

    check = sub.add_parser("check-config", help="validate a config file")
    check.add_argument("-c", "--config", type=Path, required=True)

    discover = sub.add_parser("discover", help="list the sites and devices each source sees")
    discover.add_argument("-c", "--config", type=Path, required=True)
    discover.add_argument("--json", action="store_true")

    backfill = sub.add_parser(
        "backfill", help="fetch history into the store (resumable, idempotent)"
    )
    backfill.add_argument("-c", "--config", type=Path, required=True)
    backfill.add_argument(
        "--since", type=_moment, required=True, help="date or time; UTC when no zone is given"
    )
    backfill.add_argument("--until", type=_moment, help="exclusive; default: now")

    export = sub.add_parser("export", help="write the history store out as CSV or OpenMetrics")
    export.add_argument("-c", "--config", type=Path, required=True)
    export.add_argument(
        "--since", type=_moment, required=True, help="date or time; UTC when no zone is given"
    )
    export.add_argument("--until", type=_moment, help="exclusive; default: no end")
    export.add_argument("--format", required=True, choices=["csv", "openmetrics"])
    export.add_argument("-o", "--output", type=Path, help="write to this file (else stdout)")

    demo = sub.add_parser("demo", help="run the simulators and the exporter wired to them")
    demo.add_argument("--listen", default="127.0.0.1:9850")
    demo.add_argument("--speed", type=float, default=1.0, help="simulated seconds per second")

    sim = sub.add_parser("sim", help="run one vendor simulator")
    sim.add_argument(
        "vendor",
        choices=[
            "fusionsolar",
            "enphase",
            "apsystems_ema",
            "apsystems_openapi",
            "apsystems_ecu",
            "apsystems_ez1",
        ],
    )
    sim.add_argument(
        "--fixture",
        type=Path,
        help="enphase: serve this capture folder instead of the built-in one",
    )
    sim.add_argument("--listen", default="127.0.0.1:8080")
    sim.add_argument("--speed", type=float, default=1.0, help="simulated seconds per second")
    return parser


def _moment(text: str) -> datetime:
    """2024-06-01, 2024-06-01T12:00, 2024-06-01T12:00:00+02:00 (no zone: UTC)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date or time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command is None:
        args = argparse.Namespace(command="run", config=None, listen=None, log_level=args.log_level)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        if args.command == "check-config":
            config = load_config(args.config)
            print(f"{args.config}: OK, {len(config.sources)} source(s)")
            return 0
        return asyncio.run(_async_main(args))
    except ConfigError as exc:
        print(f"invalid configuration:\n{exc}", file=sys.stderr)
        return 2
    except StateFolderError as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


async def _async_main(args: argparse.Namespace) -> int:
    if args.command == "run":
        config = run_config(args.config)
        listen = parse_listen(args.listen) if args.listen else None
        return await serve(Application(config, SystemClock()), listen)
    if args.command == "collect":
        return await collect(load_config(args.config), args.output)
    if args.command == "discover":
        return await discover(load_config(args.config), args.json)
    if args.command == "backfill":
        until = args.until or datetime.now(UTC)
        return await backfill(load_config(args.config), args.since, until)
    if args.command == "export":
        config = load_config(args.config)
        return await export_command(config, args.since, args.until, args.format, args.output)
    # The simulators are imported only by the commands that run them.
    from solar2prom.demo import run_demo, run_simulator

    if args.command == "demo":
        return await run_demo(parse_listen(args.listen), args.speed)
    return await run_simulator(args.vendor, parse_listen(args.listen), args.speed, args.fixture)


def run_config(path: Path | None) -> AppConfig:
    """The config file, or apsystems2prom's environment variables (legacy mode)."""
    if path is not None:
        return load_config(path)
    config = legacy_config(os.environ)
    if config is None:
        raise ConfigError(
            "no config file: give -c FILE, or set apsystems2prom's variables (USERNAME, "
            "SYSTEM_ID, ECU_ID) to run in its place"
        )
    return config


async def serve(app: Application, listen: ListenAddress | None = None) -> int:
    with app.hold_state_dir():
        urls = await app.start(listen)
        for url in urls:
            log.info("serving %s/metrics and the status page at %s/", url, url)
        try:
            await wait_for_signal()
        finally:
            await app.stop()
    return 0


async def collect(config: AppConfig, output: Path | None) -> int:
    app = Application(config, SystemClock())
    with app.hold_state_dir():
        try:
            body, all_ok = await app.collect()
        finally:
            await app.close_sources()
    if output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    else:
        # node_exporter's textfile collector reads the file as another user.
        write_atomic(output, body, mode=0o644)
    for snapshot in app.hub.snapshots.values():
        if not snapshot.health.up:
            print(f"{snapshot.source}: {snapshot.health.last_error}", file=sys.stderr)
    return 0 if all_ok else 1


async def backfill(
    config: AppConfig, since: datetime, until: datetime, clock: Clock | None = None
) -> int:
    if config.history is None:
        print("backfill writes into the history store: add `history: {path: ...}` to the config",
              file=sys.stderr)  # fmt: skip
        return 2
    app = Application(config, clock or SystemClock())
    with app.hold_state_dir():
        await app.start_history()
        try:
            return await _backfill_each(app, since, until)
        finally:
            await app.close_sources()
            await app.close_history()


async def _backfill_each(app: Application, since: datetime, until: datetime) -> int:
    """Every source that has history, one after the other; 1 at the first that fails."""
    history = app.history
    assert history is not None
    for source in app.sources:
        if not isinstance(source, Backfiller):
            print(f"{source.name}: this source type has no history to fetch; skipped")
            continue

        async def store(readings: tuple[Reading, ...], name: str = source.name) -> None:
            samples = [
                Sample(name, r, r.time, past=True)
                for r in readings
                if r.time is not None and kept_in_history(r)
            ]
            await history.add(samples)
            for sink in app.remote_writers:
                await sink.add(samples)

        try:
            plan = await source.plan_backfill(since.timestamp(), until.timestamp())
            print(plan.describe(source.name), flush=True)
            await source.backfill(plan, store, ProgressBar(source.name, sys.stderr))
        except SourceError as exc:
            print(f"{source.name}: {exc} (run the same command again to resume)",
                  file=sys.stderr)  # fmt: skip
            return 1
        except (sqlite3.Error, OSError) as exc:
            # A full disk: what was committed stays, and the next run resumes after it.
            print(f"{source.name}: writing the fetched history failed: {type(exc).__name__}: "
                  f"{exc} (free space, then run the same command again to resume)",
                  file=sys.stderr)  # fmt: skip
            return 1
    return 0


def _discovery_text(name: str, found: Discovery) -> str:
    lines = [f"source {name}:"]
    for site in found.sites:
        where = ""
        if site.latitude is not None and site.longitude is not None:
            where = f"  ({site.latitude:.3f}, {site.longitude:.3f})"
        lines.append(f"  site {site.id}  {site.name}{where}")
        for device in (d for d in found.devices if d.site == site.id):
            model = f"  model {device.model}" if device.model else ""
            lines.append(f"    {device.kind.value:<13} {device.id}  {device.name}{model}")
    lines.extend(f"  note: {note}" for note in found.notes)
    return "\n".join(lines)


async def discover(config: AppConfig, as_json: bool) -> int:
    app = Application(config, SystemClock())
    results: dict[str, object] = {}
    failed = False
    with app.hold_state_dir():
        try:
            for source in app.sources:
                try:
                    found = await source.discover()
                except SourceError as exc:
                    failed = True
                    results[source.name] = {"error": str(exc)}
                    if not as_json:
                        print(f"source {source.name}: {exc}", file=sys.stderr)
                    continue
                if as_json:
                    results[source.name] = asdict(found)
                else:
                    print(_discovery_text(source.name, found))
        finally:
            await app.close_sources()
    if as_json:
        print(json.dumps(results, indent=2))
    return 1 if failed else 0
