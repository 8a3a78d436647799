"""The report's PNGs. matplotlib's object API on the Agg canvas: no pyplot, so no global figure
state and no display; the default style whatever the user's matplotlibrc says, and no "Software"
stamp, so the same report draws the same bytes. matplotlib is imported inside the functions: the
``report`` extra is optional (adapters.reports.require_matplotlib says what to install).

The charts read the numbers the page prints (metrics.json) or the curves behind them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from adapters.common.atomic_file import atomic_write
from adapters.reports.page import SESSION_LABELS
from application.evaluation.report import FtmoFloors
from domain.evaluation.equity import EquitySeries

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Json = Mapping[str, Any]
BLUE, ORANGE, RED, GREY = "#0969da", "#bc4c00", "#cf222e", "#6e7781"
STYLE = {"font.size": 10, "axes.titlesize": 11, "axes.grid": True, "grid.alpha": 0.3, "legend.fontsize": 9,
         "axes.spines.top": False, "axes.spines.right": False}


@contextmanager
def drawing() -> Iterator[None]:
    import matplotlib.style

    with matplotlib.style.context(["default", STYLE]):
        yield


def new_figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def save(figure: Figure, path: Path) -> Path:
    atomic_write(path, lambda handle: figure.savefig(handle, format="png", metadata={"Software": None}))
    return path


def _dates(time_ms: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return np.asarray(time_ms, dtype="datetime64[ms]")


def _time_axis(axes: Axes) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]  # matplotlib.dates has no annotations
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    axes.set_xlabel("UTC")


def _empty(axes: Axes, text: str) -> None:
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes, color=GREY)


def equity_chart(equity: EquitySeries, floors: FtmoFloors, ftmo: Json) -> Figure:
    from matplotlib.ticker import StrMethodFormatter

    figure = new_figure(11, 4.4)
    axes = figure.add_subplot()
    if len(equity):
        axes.plot(_dates(equity.time_ms), equity.equity, color=BLUE, lw=0.9, label="equity")
    else:
        _empty(axes, "no equity series")
    daily_label, total_label = _floor_labels(ftmo)
    axes.step(_dates(floors.time_ms), floors.daily, where="post", color=ORANGE, ls="--", lw=1.2, label=daily_label)
    axes.step(_dates(floors.time_ms), floors.total, where="post", color=RED, lw=1.4, label=total_label)
    axes.set_title(f"Equity and the FTMO {ftmo.get('ruleset', '')} floors")
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.set_ylabel("account equity")
    figure.legend(loc="outside lower center", ncols=3, frameon=False)  # below the plot: it hides no line
    _time_axis(axes)
    return figure


def _floor_labels(ftmo: Json) -> tuple[str, str]:
    if not ftmo:
        return "FTMO daily-loss floor", "FTMO max-loss floor"
    trails = " below the best midnight balance" if ftmo["max_loss_trails"] else ""
    return (f"FTMO daily-loss floor: balance at the last Prague midnight - {ftmo['daily_loss_pct']:g} % of initial",
            f"FTMO max-loss floor: {ftmo['max_loss_pct']:g} % of initial{trails}")


def drawdown_chart(equity: EquitySeries) -> Figure:
    figure = new_figure(11, 3.0)
    axes = figure.add_subplot()
    axes.set_title("Drawdown below the running peak of equity")
    axes.set_ylabel("% of the peak")
    if not len(equity):
        _empty(axes, "no equity series")
        return figure
    peak = np.maximum.accumulate(equity.equity)
    depth = np.where(peak > 0, -100.0 * (peak - equity.equity) / np.where(peak > 0, peak, 1.0), 0.0)
    dates = _dates(equity.time_ms)
    axes.fill_between(dates, depth, 0.0, color=RED, alpha=0.3, lw=0)
    axes.plot(dates, depth, color=RED, lw=0.8)
    axes.set_ylim(top=0.0, bottom=min(float(depth.min()) * 1.1, -0.01))
    _time_axis(axes)
    return figure


def reliability_chart(calibration: Json, min_trades: int) -> Figure:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    figure = new_figure(11, 4.6)
    panels = figure.subplots(1, 2, sharey=True)
    titles = {"win": "trade won (P/L > 0)", "direction": "direction right over the horizon"}
    for axes, (outcome, title) in zip(panels, titles.items(), strict=True):
        _reliability_panel(axes, calibration[outcome]["reliability"], title, min_trades)
    panels[0].set_ylabel("observed share")
    handles = [Line2D([], [], color=GREY, ls="--", label="perfectly calibrated"),
               Line2D([], [], color=BLUE, marker="o", label="observed share, Wilson interval"),
               Line2D([], [], color=BLUE, marker="o", markerfacecolor="white", ls="", label="hollow: few trades"),
               Patch(color=GREY, alpha=0.25, label="trades in the bin (right axis, n above)")]
    figure.legend(handles=handles, loc="outside lower center", ncols=4, frameon=False)
    return figure


def _reliability_panel(axes: Axes, bins: Sequence[Json], title: str, min_trades: int) -> None:
    low, high = bins[0]["low"], bins[-1]["high"]
    axes.plot([low, high], [low, high], color=GREY, ls="--", lw=1)
    counts = axes.twinx()
    centres = [(b["low"] + b["high"]) / 2 for b in bins]
    sizes = [b["observed"]["n"] for b in bins]
    counts.bar(centres, sizes, width=(high - low) / len(bins) * 0.9, color=GREY, alpha=0.18, zorder=0)
    counts.set_ylim(0, max([*sizes, 1]) * 1.25)  # headroom for the n labels
    counts.set_ylabel("trades in the bin", color=GREY)
    counts.grid(False)
    for x, n in zip(centres, sizes, strict=True):
        if n:
            counts.annotate(f"n={n}", (x, n), textcoords="offset points", xytext=(0, 2), ha="center", fontsize=8,
                            color=GREY)
    axes.set_zorder(counts.get_zorder() + 1)  # the points above the bars
    axes.patch.set_visible(False)
    for b in bins:
        _reliability_point(axes, b, min_trades)
    axes.set(xlim=(low, high), ylim=(-0.02, 1.02), xlabel="stated probability", title=title)
    if not any(sizes):
        _empty(axes, "no trades")


def _reliability_point(axes: Axes, b: Json, min_trades: int) -> None:
    observed = b["observed"]
    if not observed["n"]:
        return
    value = observed["value"]
    error = [[value - observed["wilson_low"]], [observed["wilson_high"] - value]]
    few = observed["n"] < min_trades
    axes.errorbar([b["mean_probability"]], [value], yerr=error, fmt="o", color=BLUE, capsize=3,
                  markerfacecolor="white" if few else BLUE)


def sessions_chart(by_session: Json, min_trades: int) -> Figure:
    figure = new_figure(11, 3.4)
    axes = figure.add_subplot()
    names = list(by_session)
    rates = [by_session[name] for name in names]
    values = [r["value"] or 0.0 for r in rates]
    errors = [[v - (r["wilson_low"] or v) for v, r in zip(values, rates, strict=True)],
              [(r["wilson_high"] or v) - v for v, r in zip(values, rates, strict=True)]]
    bars = axes.bar([SESSION_LABELS.get(n, n) for n in names], values, yerr=errors, capsize=4, color=BLUE,
                    alpha=0.8, ecolor=GREY)
    for bar, r in zip(bars, rates, strict=True):
        if r["n"] < min_trades:
            bar.set(hatch="//", alpha=0.45, edgecolor=BLUE)
        label = f"n={r['n']}" if r["n"] else "no trades"
        axes.annotate(label, (bar.get_x() + bar.get_width() / 2, r["wilson_high"] or 0.0),
                      textcoords="offset points", xytext=(0, 4), ha="center", fontsize=9)
    axes.set(ylim=(0, 1.12), ylabel="win rate", title="Hit rate by session (hatched: few trades)")
    return figure
