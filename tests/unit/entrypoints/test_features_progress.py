"""The features progress bar knows how many pairs it runs over before the first one starts."""

from __future__ import annotations

import io

from rich.console import Console

from entrypoints.cli.features import _progress


def test_the_bar_shows_its_total_from_the_first_frame() -> None:
    screen = io.StringIO()
    with _progress(True, 3, console=Console(file=screen, force_terminal=True, width=100)) as advance:
        advance("BTCUSDT", 0, 3)
        advance("", 3, 3)
    assert "0/3 pairs" in screen.getvalue() and "3/3 pairs" in screen.getvalue()
    assert "None" not in screen.getvalue()
