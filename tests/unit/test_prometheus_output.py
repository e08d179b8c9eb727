import gzip
import platform
import time
import zlib

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_om
from prometheus_client.parser import text_string_to_metric_families as parse_text

from solar2prom import __version__
from solar2prom.core import metrics as m
from solar2prom.core.model import (
    BudgetStatus,
    Device,
    DeviceKind,
    Metric,
    MetricType,
    Reading,
    Site,
    Snapshot,
    SourceHealth,
    SourceState,
)
from solar2prom.outputs.history import HistoryStatus
from solar2prom.outputs.keeping import KeepingStatus
from solar2prom.outputs.prometheus import (
    PrometheusOutput,
    assemble,
    render_outputs,
    render_snapshot,
)
from solar2prom.outputs.remote_write import RemoteWriteStatus

STRING_VOLTAGE = Metric(
    "test_pv_voltage_volts", "String voltage.", MetricType.GAUGE, labels=("string",)
)


def snapshot(source: str, power: float, up: bool = True) -> Snapshot:
    return Snapshot(
        source=source,
        vendor="test",
        taken_at=1.0,
        health=SourceHealth(
            SourceState.UP if up else SourceState.DOWN,
            up=up,
            last_success=100.0,
            poll_duration=0.5,
            budgets=(BudgetStatus("getDevRealKpi", "5m", 4, 1),),
        ),
        sites=(Site("S1", 'Roof "north"\\', "test", extra=(("capacity_watts", "6000"),)),),
        devices=(Device("D1", "S1", DeviceKind.INVERTER, "SUN2000", "V1", "Inverter-1"),),
        readings=(
            Reading(m.PRODUCTION_POWER, power, site="S1"),
            Reading(m.PRODUCTION_ENERGY_TOTAL, 3.6e9, site="S1"),
            Reading(STRING_VOLTAGE, 350.5, site="S1", device="D1", labels=("3",)),
        ),
        requests={("getDevRealKpi", "ok"): 7},
        rejected={"counter_decrease": 1},
    )


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in parse_text(text)
        for s in family.samples
    }


def test_every_series_with_its_labels() -> None:
    text = assemble({"a": render_snapshot(snapshot("a", 1234.5))}, openmetrics=False).decode()
    got = samples(text)
    assert got[("solar_production_power_watts", (("site", "S1"), ("source", "a")))] == 1234.5
    assert got[("solar_production_energy_joules_total", (("site", "S1"), ("source", "a")))] == 3.6e9
    voltage = (("device", "D1"), ("site", "S1"), ("source", "a"), ("string", "3"))
    assert got[("test_pv_voltage_volts", voltage)] == 350.5
    assert got[("solar_source_up", (("source", "a"),))] == 1
    requests = (("endpoint", "getDevRealKpi"), ("result", "ok"), ("source", "a"))
    assert got[("solar_source_requests_total", requests)] == 7
    budget = (("api", "getDevRealKpi"), ("source", "a"), ("window", "5m"))
    assert got[("solar_source_budget_remaining_calls", budget)] == 1
    site_info = next(k for k in got if k[0] == "solar_site_info")
    assert ("name", 'Roof "north"\\') in site_info[1] and ("capacity_watts", "6000") in site_info[1]


def test_families_of_several_sources_are_grouped_under_one_header() -> None:
    per_source = {
        "a": render_snapshot(snapshot("a", 1)),
        "b": render_snapshot(snapshot("b", 2, up=False)),
    }
    text = assemble(per_source, openmetrics=False).decode()
    assert text.count("# TYPE solar_production_power_watts gauge") == 1
    lines = text.splitlines()
    start = lines.index("# TYPE solar_production_power_watts gauge")
    assert lines[start + 1].startswith('solar_production_power_watts{source="a"')
    assert lines[start + 2].startswith('solar_production_power_watts{source="b"')
    assert samples(text)[("solar_source_up", (("source", "b"),))] == 0


def test_openmetrics_variant_parses_and_ends_with_eof() -> None:
    text = assemble({"a": render_snapshot(snapshot("a", 5))}, openmetrics=True).decode()
    assert text.endswith("# EOF\n")
    assert "# TYPE solar_production_energy_joules counter" in text
    families = {f.name: f for f in parse_om(text)}
    assert families["solar_production_energy_joules"].samples[0].value == 3.6e9


async def test_output_renders_published_snapshots_and_caches_bytes() -> None:
    output = PrometheusOutput()
    output.on_snapshot(snapshot("a", 1))
    output.on_snapshot(snapshot("a", 2))  # coalesced: only the newest matters
    await output.settled()
    first = output.exposition()
    assert b'solar_production_power_watts{source="a",site="S1"} 2.0' in first.body
    assert output.exposition().body is first.body  # served from the cache
    assert first.content_type.startswith("text/plain; version=0.0.4")
    assert output.exposition(openmetrics=True).content_type.startswith(
        "application/openmetrics-text"
    )


def gunzip_one_member(body: bytes) -> bytes:
    """The body as a client reads it that takes one gzip member only (aiohttp, some curls)."""
    stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
    text = stream.decompress(body)
    assert stream.eof and not stream.unused_data
    return text


async def test_a_scrape_is_the_exposition_then_its_own_series_gzipped_or_not() -> None:
    output = PrometheusOutput()
    output.on_snapshot(snapshot("a", 1))
    await output.settled()
    for openmetrics in (False, True):
        sources = output.exposition(openmetrics).body
        plain = (await output.scrape(openmetrics=openmetrics)).body
        gzipped = gunzip_one_member((await output.scrape(openmetrics, gzipped=True)).body)
        for body in (plain, gzipped):
            assert body.startswith(sources.removesuffix(b"# EOF\n"))
            assert b"\nprocess_cpu_seconds_total " in body
            assert body.endswith(b"# EOF\n") == openmetrics
            assert body.count(b"# EOF") == openmetrics
            parse = parse_om if openmetrics else parse_text
            names = {f.name for f in parse(body.decode())}
            assert {"solar_production_power_watts", "process_resident_memory_bytes"} <= names
    output.on_snapshot(snapshot("a", 2))
    await output.settled()
    changed = gunzip_one_member((await output.scrape(gzipped=True)).body)
    assert b'solar_production_power_watts{source="a",site="S1"} 2.0' in changed
    output.close()


async def test_without_live_series_a_gzipped_scrape_is_the_cached_exposition() -> None:
    output = PrometheusOutput(process=False)
    output.on_snapshot(snapshot("a", 1))
    await output.settled()
    first = await output.scrape(gzipped=True)
    assert gzip.decompress(first.body) == output.exposition().body
    assert (await output.scrape(gzipped=True)).body == first.body
    output.close()


def remote(sent: int, dropped: dict[str, int]) -> RemoteWriteStatus:
    return RemoteWriteStatus("http://vm:8428/api/v1/write", 5, 2, sent, dropped, 3, 200.0, None)


async def test_the_outputs_health_follows_them_between_snapshots() -> None:
    history = HistoryStatus("h.db", 1200, 0, 0, 0, 150.0, None)
    remotes = (remote(1000, {}),)
    output = PrometheusOutput(outputs=lambda: render_outputs(KeepingStatus(history, remotes)))
    output.on_snapshot(snapshot("a", 1))
    await output.settled()
    first = await output.scrape()
    url = (("url", "http://vm:8428/api/v1/write"),)
    assert (
        samples(first.body.decode()).items()
        >= {
            ("solar_history_samples_written_total", ()): 1200,
            ("solar_history_samples_waiting", ()): 0,
            ("solar_history_samples_dropped_total", ()): 0,
            ("solar_history_write_failing", ()): 0,
            ("solar_history_last_write_timestamp_seconds", ()): 150.0,
            ("solar_remote_write_samples_sent_total", url): 1000,
            ("solar_remote_write_samples_queued", url): 7,  # on disk and waiting in memory
            ("solar_remote_write_retries_total", url): 3,
            ("solar_remote_write_last_success_timestamp_seconds", url): 200.0,
        }.items()
    )
    assert b"solar_remote_write_samples_dropped_total" not in first.body
    assert b"solar_history" not in output.exposition().body  # not in what `collect` writes

    history = HistoryStatus("h.db", 1200, 0, 400, 0, 150.0, "OperationalError: disk is full")
    remotes = (remote(1000, {"too_old": 4}),)
    text = (await output.scrape()).body.decode()
    assert samples(text)[("solar_history_write_failing", ())] == 1
    assert samples(text)[("solar_history_samples_waiting", ())] == 400
    key = ("solar_remote_write_samples_dropped_total", (("reason", "too_old"), *url))
    assert samples(text)[key] == 4
    openmetrics = (await output.scrape(openmetrics=True)).body.decode()
    assert {f.name for f in parse_om(openmetrics)} >= {
        "solar_history_samples_written",
        "solar_remote_write_samples_dropped",
    }
    output.close()


async def test_the_exporter_says_its_version_and_how_its_process_fares() -> None:
    output = PrometheusOutput()
    found = samples((await output.scrape()).body.decode())
    versions = (("python", platform.python_version()), ("version", __version__))
    assert found[("solar2prom_build_info", versions)] == 1
    started = found[("process_start_time_seconds", ())]
    # The kernel's start time of this test process: before now, and not before the machine.
    assert time.time() - 86400 * 365 < started <= time.time()
    assert found[("process_resident_memory_bytes", ())] > 10e6
    assert found[("process_open_fds", ())] > 0
    assert found[("process_cpu_seconds_total", ())] > 0
    # `collect` writes for node_exporter's textfile collector, whose own process series these
    # would clash with; the build info is ours alone.
    collected = samples(output.exposition().body.decode())
    assert not [name for name, _ in collected if name.startswith("process_")]
    assert found[("solar2prom_build_info", versions)] == 1
    output.close()
