"""The samples a snapshot adds to history: live values that are new, and past samples.

The outputs that keep or forward every sample (the history store, remote write) are handed
every snapshot, and a snapshot repeats the current readings until their feed polls again: a
poll makes new `Reading` objects, so an object already seen is not a new sample, nor is a new
poll that repeats the vendor's sample time and value. Past samples (`Snapshot.history`) are
all taken, since they may revise values already kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from solar2prom.core import metrics as m
from solar2prom.core.model import Reading, Scope, Snapshot

# The vendor's sample time is the time of every sample in history: as a series of its own it
# would only repeat it.
_NOT_HISTORY = frozenset({m.DATA_TIMESTAMP.name})

SeriesKey = tuple[str, str, str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Sample:
    """One value of one series of one source at one time (epoch seconds)."""

    source: str
    reading: Reading
    time: float
    past: bool = False  # fetched as history (gap filling, backfill), not a live value


def kept_in_history(reading: Reading) -> bool:
    """Vendor readings only: compatibility copies under another exporter's names
    (`Scope.GLOBAL`) are the same values again, without the labels that identify them."""
    metric = reading.metric
    return metric.scope is not Scope.GLOBAL and metric.name not in _NOT_HISTORY


def series_labels(source: str, reading: Reading) -> tuple[tuple[str, str], ...]:
    """The labels of a reading's series as the exposition names them: standard, then own."""
    names = reading.metric.label_names
    standard = {"source": source, "site": reading.site, "device": reading.device}
    values = [standard[n] for n in names[: len(names) - len(reading.labels)]]
    return tuple(zip(names, (*values, *reading.labels), strict=True))


def _same_sample(before: Reading | None, now: Reading) -> bool:
    """The object seen before, or a new poll repeating the vendor's sample (same time, same
    value). Without a vendor time, a new poll is a new sample at the poll's time."""
    if before is None:
        return False
    return before is now or (
        now.time is not None and before.time == now.time and before.value == now.value
    )


class SampleSelector:
    """Picks the new samples out of each snapshot of each source; one per output."""

    def __init__(self) -> None:
        self._seen: dict[str, dict[SeriesKey, Reading]] = {}

    def select(self, snapshot: Snapshot) -> list[Sample]:
        source = snapshot.source
        previous = self._seen.get(source, {})
        current: dict[SeriesKey, Reading] = {}
        samples: list[Sample] = []
        for reading in snapshot.readings:
            if not kept_in_history(reading):
                continue
            current[reading.key] = reading
            if not _same_sample(previous.get(reading.key), reading):
                time = snapshot.taken_at if reading.time is None else reading.time
                samples.append(Sample(source, reading, time))
        # Only what is still current: the rest can no longer come back as the same object.
        self._seen[source] = current
        samples.extend(
            Sample(source, reading, reading.time, past=True)
            for reading in snapshot.history
            if reading.time is not None and kept_in_history(reading)
        )
        return samples
