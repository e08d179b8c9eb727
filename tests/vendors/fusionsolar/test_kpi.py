"""KPI rows: every bucket a past sample at its start, the newest bucket live, one sample per
figure even when the old and the new key spellings both carry it."""

from solar2prom.core import metrics as core
from solar2prom.sources.fusionsolar import kpi

DAY_MS = 86_400_000
ROWS = [
    {
        "stationCode": "NE=1",
        "collectTime": 1_750_000_000_000 + i * DAY_MS,
        "dataItemMap": {
            "inverter_power": 10.0 + i,
            "inverterYield": 10.0 + i,
            "use_power": "7.5",
            "performance_ratio": 82,
            "power_profit": None,
            "ongrid_power": "N/A",
        },
    }
    for i in range(3)
]


def test_every_bucket_once_and_the_newest_live() -> None:
    rows = kpi.plant_kpis("day", ROWS, currency="EUR")
    yields = [
        r for r in rows.history if r.metric.name == "fusionsolar_plant_day_inverter_yield_joules"
    ]
    assert [r.value for r in yields] == [10.0 * 3.6e6, 11.0 * 3.6e6, 12.0 * 3.6e6]
    assert [r.time for r in yields] == [1_750_000_000.0 + i * 86400 for i in range(3)]
    live = {r.metric.name: r.value for r in rows.latest}
    assert live["fusionsolar_plant_day_inverter_yield_joules"] == 12.0 * 3.6e6
    assert live["fusionsolar_plant_day_performance_ratio"] == 0.82
    assert live[core.CONSUMPTION_ENERGY_TODAY.name] == 7.5 * 3.6e6
    # null and "N/A" give no series at all.
    assert not any("revenue" in r.metric.name or "feed_in" in r.metric.name for r in rows.history)


def test_month_rows_do_not_feed_the_core_today_value() -> None:
    rows = kpi.plant_kpis("month", ROWS, currency="")
    assert core.CONSUMPTION_ENERGY_TODAY.name not in {r.metric.name for r in rows.latest}
