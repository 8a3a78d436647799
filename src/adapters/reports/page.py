"""report.html from metrics.json alone: every number on the page is one of metrics.json's, formatted
(a share as a percentage, money to the cent), so the page and the file never disagree. The page
needs no script and no network: its images are sibling PNG files.

A figure standing on fewer than ``min_trades`` trades carries a "few trades" mark. The page opens
with the gates' verdict and the answer to "better than nothing?", then the figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

Json = Mapping[str, Any]
SESSION_LABELS = {"tokyo": "Tokyo", "london": "London", "new_york": "New York", "off_hours": "off-hours"}
DASH = "\N{EM DASH}"

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 24px auto; max-width: 1120px; color: #1b1f24;
       line-height: 1.4; padding: 0 16px; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin: 1.4em 0 0.4em; border-bottom: 1px solid #d0d7de; padding-bottom: 0.2em; }
.meta { color: #57606a; margin-top: 0; }
.box { border-radius: 6px; padding: 10px 16px; margin: 12px 0; border: 1px solid; }
.box h2 { border: 0; margin: 0.2em 0; }
.fail { background: #ffebe9; border-color: #cf222e; }
.partial { background: #fff8c5; border-color: #bf8700; }
.pass { background: #dafbe1; border-color: #1a7f37; }
.neutral { background: #f6f8fa; border-color: #d0d7de; }
table { border-collapse: collapse; margin: 6px 0 10px; font-size: 0.93em; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
th { background: #f6f8fa; }
.few { background: #fff8c5; color: #7d4e00; border: 1px solid #d4a72c; border-radius: 4px; font-size: 0.8em;
       padding: 0 4px; margin-left: 4px; white-space: nowrap; }
.note { color: #57606a; font-size: 0.88em; }
figure { margin: 8px 0 18px; }
figure img { max-width: 100%; height: auto; border: 1px solid #d0d7de; }
figcaption { color: #57606a; font-size: 0.9em; }
"""


def render_page(metrics: Json, images: Mapping[str, str]) -> str:
    """The page for ``metrics`` (``Evaluation.to_json()``); ``images`` maps equity, drawdown,
    reliability and sessions to their file names beside the page."""
    body = [_header(metrics), _verdict(metrics), _baselines(metrics), _key_figures(metrics),
            _equity_figures(metrics, images), _tiers(metrics), _calibration_figure(metrics, images["reliability"]),
            _sessions(metrics, images["sessions"]), _notes(metrics)]
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{escape(_title(metrics))}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


# -- formatting: each takes a value of metrics.json --------------------------------------------------

def money(value: float | None, signed: bool = False) -> str:
    return DASH if value is None else (f"{value:+,.2f}" if signed else f"{value:,.2f}")


def share(value: float | None) -> str:
    return DASH if value is None else f"{100 * value:.1f} %"


def number(value: float | None, digits: int = 3) -> str:
    return DASH if value is None else f"{value:,.{digits}f}"


def few(figure: Json, min_trades: int) -> str:
    if not figure.get("few_trades"):
        return ""
    return (f'<span class="few" title="stands on {figure["n"]} trades, fewer than {min_trades}">'
            "few trades</span>")


def rate(figure: Json, min_trades: int) -> str:
    if figure["value"] is None:
        return f'{DASH} <span class="note">{escape(str(figure["note"] or ""))}</span>'
    return (f'{share(figure["value"])} ({figure["successes"]}/{figure["n"]}) '
            f'<span class="note">[{share(figure["wilson_low"])}, {share(figure["wilson_high"])}]</span>'
            + few(figure, min_trades))


def stat(figure: Json, min_trades: int, shown: str) -> str:
    """A figure's value as ``shown`` (already formatted), or its note when it has none."""
    if figure["value"] is None:
        return f'{DASH} <span class="note">{escape(str(figure["note"] or ""))}</span>'
    return shown + few(figure, min_trades)


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    header = "".join(f"<th>{h}</th>" for h in head)
    lines = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>\n" for row in rows)
    return f"<table>\n<tr>{header}</tr>\n{lines}</table>"


def _names(items: Sequence[str]) -> str:
    names = [escape(str(i)) for i in items]
    return " and ".join(filter(None, (", ".join(names[:-1]), names[-1]))) if names else ""


# -- sections ----------------------------------------------------------------------------------------

def _title(m: Json) -> str:
    pairs = m["run"].get("pairs") or []
    return "Backtest report" + (f": {', '.join(map(str, pairs))}" if pairs else "")


def _when(iso: str) -> str:
    return iso[:16].replace("T", " ")


def _header(m: Json) -> str:
    run, period = m["run"], m["period"]
    facts = [f"{escape(_when(period['start']))} to {escape(_when(period['end']))} UTC "
             f"({number(period['days'], 1)} days)"]
    facts += [f"{label} {escape(str(run[key]))}" for key, label in (("predictor", "predictor"), ("seed", "seed"))
              if run.get(key) is not None]
    costs = run.get("costs")
    if isinstance(costs, Mapping) and costs.get("fills"):
        facts.append(f"fills: {escape(str(costs['fills']))}")
    legend = (f'Figures marked <span class="few">few trades</span> stand on fewer than {m["min_trades"]} trades: '
              "read them as anecdotes, not evidence. Numbers in brackets are Wilson score intervals.")
    return (f"<h1>{escape(_title(m))}</h1>\n<p class=\"meta\">{' · '.join(facts)}</p>\n"
            f"<p class=\"note\">{legend}</p>")


def _verdict(m: Json) -> str:
    failing, not_run = m["failing_gates"], m["gates_not_run"]
    unrun = f"; not run: {_names(not_run)}" if not_run else ""
    if failing:
        kind, head = "fail", f"Verdict: fails the {_names(failing)} gate{'s' if len(failing) > 1 else ''}{unrun}"
    elif not_run:
        kind, head = "partial", f"Verdict: no gate that ran fails, but {_names(not_run)} did not run (nor pass)"
    else:
        kind, head = "pass", "Verdict: every gate passes"
    items = "".join(_gate_item(g) for g in m["gates"])
    return f'<section class="box {kind}" id="verdict">\n<h2>{head}</h2>\n<ul>\n{items}</ul>\n</section>'


def _gate_item(gate: Json) -> str:
    verdict = {"failed": "FAILED", "passed": "passed", "not_run": "not run"}[gate["verdict"]]
    reasons = "; ".join(escape(r) for r in gate["reasons"])
    checked = "; ".join(escape(c) for c in gate["checks"])
    return (f"<li><b>{escape(gate['gate'])}</b> ({verdict})" + (f": {reasons}" if reasons else "")
            + (f' <span class="note">(checked: {checked})</span>' if checked else "") + "</li>\n")


def _baselines(m: Json) -> str:
    comparison = m["baselines"]
    if comparison is None or not comparison["baselines"]:
        note = m["baselines_note"] or "no baseline was run"
        return ('<section class="box neutral" id="baselines">\n<h2>Better than nothing? Not answered</h2>\n'
                f"<p>{escape(str(note))}: nothing to compare the strategy with.</p>\n</section>")
    beats = comparison["strategy_beats"]
    lost_to = [name for name, won in beats.items() if not won]
    head = ("Better than nothing? Yes: it beats every baseline" if not lost_to
            else f"Better than nothing? No: it does not beat {_names(lost_to)}")
    rows = [_run_row(run, beats, m["min_trades"]) for run in (comparison["strategy"], *comparison["baselines"])]
    table = _table(["run", "predictor", "trades", "win rate", "P/L", "P/L latency-adjusted", "strategy beats it?"],
                   rows)
    note = (f'<p class="note">Same engine, costs and candles; only the predictor differs. Compared on '
            f"{escape(comparison['measure'])}; the random baseline draws from seed {comparison['seed']}.</p>")
    return (f'<section class="box {"pass" if not lost_to else "fail"}" id="baselines">\n<h2>{head}</h2>\n'
            f"{table}\n{note}\n</section>")


def _run_row(run: Json, beats: Json, min_trades: int) -> list[str]:
    verdict = "" if run["role"] == "strategy" else ("yes" if beats.get(run["name"]) else "no")
    label = run["role"] if run["role"] == run["name"] else f"{run['role']}: {run['name']}"
    return [escape(label), escape(run["predictor"]), str(run["trades"]),
            rate(run["win_rate"], min_trades), money(run["pnl"], signed=True),
            money(run["pnl_latency_adjusted"], signed=True), verdict]


def _key_figures(m: Json) -> str:
    pnl, dd, perf, t = m["pnl"], m["drawdown"], m["performance"], m["min_trades"]
    overall = next(row for row in m["tiers"] if row["tier"] == "ALL")
    rows = [
        ("Trades", str(m["trades"]) + few({"few_trades": m["trades"] < t, "n": m["trades"]}, t)),
        ("P/L (after costs)", f"{money(pnl['total'], signed=True)} ({_signed_pct(pnl['return_pct'])})"),
        ("P/L latency-adjusted", money(pnl["latency_adjusted"], signed=True)),
        ("Final equity", f"{money(pnl['final_equity'])} from {money(pnl['initial_balance'])}"),
        ("Win rate", rate(overall["win_rate"], t)),
        ("Direction right (precision)", rate(overall["precision"], t)),
        ("Expectancy", stat(perf["expectancy_r"], t, f"{number(perf['expectancy_r']['value'])} R")),
        ("Profit factor", stat(perf["profit_factor"], t, number(perf["profit_factor"]["value"]))),
        ("Gross profit / loss", f"{money(perf['gross_profit']['value'])} / {money(perf['gross_loss']['value'])}"),
        ("Maximum drawdown", stat(dd["maximum"], t, f"{money(dd['maximum']['value'])} "
                                  f"({number(dd['maximum_pct']['value'], 2)} % of its peak)")),
        ("Average drawdown", stat(dd["average"], t, f"{money(dd['average']['value'])} "
                                  f"({number(dd['average_pct']['value'], 2)} %) "
                                  f"over {_count(dd['episodes'], 'episode')}")),
        ("Trades per day", stat(perf["trades_per_day"], t, number(perf["trades_per_day"]["value"], 2))),
        ("Exposure (time with a position open)", stat(perf["exposure"], t, share(perf["exposure"]["value"]))),
    ]
    return "<h2>Key figures</h2>\n" + _table(["figure", "value"], rows)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _signed_pct(value: float | None) -> str:
    return DASH if value is None else f"{value:+.2f} %"


def _figure(name: str, alt: str, caption: str) -> str:
    return (f'<figure><img src="{escape(name)}" alt="{escape(alt)}">\n'
            f"<figcaption>{caption}</figcaption></figure>")


def _equity_figures(m: Json, images: Mapping[str, str]) -> str:
    run, dd, t = m["run"], m["drawdown"], m["min_trades"]
    equity = run.get("equity") or {}
    source = escape(str(equity.get("text", "")))
    why = f" ({escape(str(equity['note']))})" if equity.get("note") else ""
    ftmo = run.get("ftmo") or {}
    floors = (f"The FTMO {escape(str(ftmo.get('ruleset', '')))} floors: daily loss, the balance at the last "
              f"Prague midnight minus {number(ftmo.get('daily_loss_pct'), 1)} % of the initial balance (it steps "
              f"each Prague day); maximum loss, {number(ftmo.get('max_loss_pct'), 1)} % of the initial balance "
              f"{'below the best midnight balance' if ftmo.get('max_loss_trails') else 'below the initial balance'}."
              if ftmo else "")
    return ("<h2>Equity and drawdown</h2>\n"
            + _figure(images["equity"], "equity curve with the FTMO floors",
                      f"Equity {source}{why}. {floors}") + "\n"
            + _figure(images["drawdown"], "drawdown below the running peak",
                      f"Drawdown on equity: deepest {stat(dd['maximum'], t, money(dd['maximum']['value']))}."))


def _tiers(m: Json) -> str:
    t, calibration = m["min_trades"], m["calibration"]
    rows = [[escape(row["tier"]), str(row["trades"]) + few(row["win_rate"], t), rate(row["precision"], t),
             rate(row["recall"], t), rate(row["win_rate"], t),
             _calibration_error(calibration["win"], row["tier"], t),
             _calibration_error(calibration["direction"], row["tier"], t)] for row in m["tiers"]]
    head = ["tier", "trades", "precision (direction right)", "recall", "win rate", "calibration error (won)",
            "calibration error (direction)"]
    return ("<h2>Per tier</h2>\n" + _table(head, rows)
            + '\n<p class="note">Recall: the share of every right call kept by taking this tier and those above it. '
            "Calibration error: the gap between the tier's mean stated probability and what happened; "
            "the ALL row holds the trade-weighted mean over the tiers (what the promotion gate reads).</p>")


def _calibration_error(calibration: Json, tier: str, min_trades: int) -> str:
    if tier == "ALL":
        figure = calibration["tier_mae"]
    else:
        figure = next(row["error"] for row in calibration["tiers"] if row["tier"] == tier)
    return stat(figure, min_trades, share(figure["value"]))


def _calibration_figure(m: Json, image: str) -> str:
    t = m["min_trades"]
    briers = "; ".join(f"{escape(name)} {stat(c['brier'], t, number(c['brier']['value']))} "
                       f"over {c['brier']['n']} trades" for name, c in m["calibration"].items())
    labels = m["labels"]
    caption = ("Stated probability (the signal's confidence) in bins against how often it came true: the trade "
               "won, and the direction was right over the prediction's horizon. On the diagonal a probability "
               "comes true as often as it says; bars count the trades per bin, hollow points stand on few "
               f"trades. Brier score: {briers}. Direction known for {labels['direction_known']} trades, "
               f"unknown for {labels['direction_unknown']} (the horizon's candle was missing).")
    return "<h2>Calibration</h2>\n" + _figure(image, "reliability diagram", caption)


def _sessions(m: Json, image: str) -> str:
    t, sessions = m["min_trades"], m["performance"]["hit_rate_by_session"]
    rows = [[SESSION_LABELS.get(name, escape(name)), rate(figure, t)] for name, figure in sessions.items()]
    caption = ("Win rate of the trades signalled while each session was open; London and New York overlap, "
               "so a trade in the overlap counts in both. Hatched bars stand on few trades.")
    return ("<h2>Hit rate by session</h2>\n" + _figure(image, "hit rate by session", caption) + "\n"
            + _table(["session", "win rate"], rows))


def _notes(m: Json) -> str:
    nulls = "".join(f"<li>{escape(n['path'])}: {escape(n['why'])}</li>" for n in m["nulls"])
    return ('<h2>About these numbers</h2>\n<p class="note">Every number on this page is in metrics.json beside it '
            f"({escape(m['schema'])}).</p>" + (f"\n<ul class=\"note\">{nulls}</ul>" if nulls else ""))
