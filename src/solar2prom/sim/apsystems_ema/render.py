"""EMA's answers as its pages' AJAX calls return them (shapes from the project's reference).

Numbers are strings, as EMA sends them; `time` values are epoch milliseconds of the system's
wall-clock time written as if it were China time (UTC+8).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from solar2prom.sim.apsystems_ema.plant import Panel, Slot

CHINA = timezone(timedelta(hours=8))
LOGIN_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>EMA - Login</title></head>"
    '<body><form action="/ema/loginEMA.action" method="post"></form></body></html>\n'
)
VISITOR_PAGE = "<!DOCTYPE html>\n<html><head><title>EMA</title></head><body>visitor</body></html>\n"


def ema_millis(instant: float, tz: tzinfo) -> int:
    wall = datetime.fromtimestamp(instant, tz).replace(tzinfo=CHINA)
    return round(wall.timestamp() * 1000)


def day_body(slots: Sequence[Slot], tz: tzinfo) -> dict[str, Any]:
    """`getPowerOnCurrentDayAjax`; empty lists and zero totals for a day without slots."""
    return {
        "time": [ema_millis(s.end, tz) for s in slots],
        "power": [str(s.power_w) for s in slots],
        "energy": [f"{s.energy_kwh:.4f}" for s in slots],
        "total": f"{sum(s.energy_kwh for s in slots):.2f}",
        "max": str(max((s.power_w for s in slots), default=0)),
    }


def dashboard_body(lifetime_kwh: float, today: Sequence[Slot]) -> dict[str, Any]:
    """`getDashboardProductionInfoAjax`; CO2 at 0.5 kg per kWh, a round figure."""
    return {
        "lifetime": f"{lifetime_kwh:.2f}",
        "today": f"{sum(s.energy_kwh for s in today):.2f}",
        "lastPower": str(today[-1].power_w if today else 0),
        "co2": f"{lifetime_kwh * 0.5:.2f}",
    }


def view_body(slots: Sequence[Slot], panels: Sequence[Panel], tz: tzinfo) -> dict[str, Any]:
    """`getViewPowerByViewAjax`: comma lists, and `detail` as `<id>/<w1>,<w2>,…&…`."""
    detail = "&".join(
        f"{panel.id}/" + ",".join(str(s.panels[i]) for s in slots) for i, panel in enumerate(panels)
    )
    return {
        "time": ",".join(str(ema_millis(s.end, tz)) for s in slots),
        "power": ",".join(str(s.power_w) for s in slots),
        "detail": detail if slots else "",
    }
