"""The soak's closing report: time covered, faults and what became of them, calls vs limits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from solar2prom.core.model import Snapshot
from tests.soak.checks import Recovery, shown
from tests.soak.faults import Effect, Fault
from tests.soak.vendors import Vendor


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds / 60:.1f} min"


def _fault_line(fault: Fault, recovery: Recovery | None) -> str:
    line = (
        f"  {shown(fault.started or fault.at)}  {fault.label:<48} {fault.effect.value:<5} "
        f"{_minutes(fault.duration):>9}  fired {fault.fired:>5}"
    )
    if recovery is not None and fault.cleared is not None and fault.deadline is not None:
        allowed = fault.deadline - fault.cleared
        if recovery.went_down:
            delay = _minutes(recovery.delay)
            line += f"  up again {delay} after clearing (allowed {_minutes(allowed)})"
        else:
            line += "  stayed up"
    return line


def rejections(snapshots: Iterable[Snapshot]) -> list[str]:
    """Readings each source dropped, by reason (a counter gone back, a vendor's 0, garbage)."""
    return [
        f"{s.source} rejected readings: "
        + ", ".join(f"{count} {reason}" for reason, count in sorted(s.rejected.items()))
        for s in sorted(snapshots, key=lambda s: s.source)
        if s.rejected
    ]


def render(
    *,
    start: float,
    end: float,
    wall: float,
    faults: Sequence[Fault],
    recoveries: Iterable[Recovery],
    vendors: Sequence[Vendor],
    extra: Sequence[str],
    violations: Sequence[str],
) -> str:
    by_fault = {id(r.fault): r for r in recoveries}
    lines = [
        f"soak: simulated {shown(start)} -> {shown(end)} Berlin time "
        f"({(end - start) / 3600:.0f} h, summer time ending Sun 26 03:00), in {wall:.0f} s",
    ]
    for vendor in vendors:
        mine = [f for f in faults if f.source == vendor.name]
        kinds = Counter(f.effect for f in mine)
        summary = ", ".join(f"{kinds[e]} {e.value}" for e in Effect if kinds[e])
        lines.append(f"{vendor.name} ({vendor.source.type}): {len(mine)} faults ({summary})")
        lines.extend(_fault_line(f, by_fault.get(id(f))) for f in mine)
        lines.append(f"  calls: {vendor.calls()}")
    lines.extend(extra)
    if violations:
        lines.append(f"{len(violations)} violations:")
        lines.extend(f"  {v}" for v in violations)
    else:
        lines.append("no violations")
    return "\n".join(lines)
