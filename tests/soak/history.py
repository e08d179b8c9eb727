"""The history store once gap filling has run: every 5-minute point of every FusionSolar device
with history is there, the two hours of the outage included."""

from __future__ import annotations

import math

from solar2prom.app import Application
from tests.soak.checks import shown
from tests.soak.faults import Fault

STEP = 300.0
SOURCE = "roof"


def _buckets(start: float, end: float) -> set[float]:
    first = math.ceil(start / STEP) * STEP
    return {first + i * STEP for i in range(max(0, math.ceil((end - first) / STEP)))}


async def history_gaps(app: Application, outage: Fault, since: float) -> list[str]:
    """What is missing of the 5-minute history since `since` (when gap filling began: earlier
    samples are the vendor's daily KPIs of the days before)."""
    store = app.history
    if store is None:
        return ["history: no store configured"]
    if outage.started is None or outage.cleared is None:
        return ["history: the FusionSolar outage never ran"]
    await store.settled()
    times: dict[str, set[float]] = {}
    for series in await store.series(SOURCE):
        if series.device:
            samples = await store.samples(series.id)
            times.setdefault(series.device, set()).update(t for t, _ in samples)
    problems: list[str] = []
    outage_points = _buckets(outage.started, outage.cleared)
    with_history = 0
    for device, seen in sorted(times.items()):
        filled_until = await store.last_time(SOURCE, device, past_only=True)
        if filled_until is None:
            continue
        with_history += 1
        missing = sorted(outage_points - seen)
        if missing:
            problems.append(
                f"history: {device} lacks {len(missing)} of the {len(outage_points)} 5-minute "
                f"points of the outage (first {shown(missing[0])})"
            )
        gaps = sorted(_buckets(max(since, min(seen)), filled_until + STEP) - seen)
        if gaps:
            problems.append(
                f"history: {device} lacks {len(gaps)} 5-minute points before "
                f"{shown(filled_until)}, where gap filling has run (first {shown(gaps[0])})"
            )
    if not with_history:
        problems.append("history: no FusionSolar device has history")
    return problems
