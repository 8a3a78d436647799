"""Use case: load candle files for a replay, with the same checks as an import into the store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from application.data.ingest import ImportCandles
from application.data.ports import CandleFileError, CandleFileReader, CandleStore
from domain.market.candles import Pair

LISTED = 5


def load_replay_files(files: Mapping[Pair, Sequence[str]], reader: CandleFileReader, store: CandleStore) -> None:
    """Merge every file into ``store``; any bad row or disagreement refuses the replay.

    Raises CandleFileError naming the first problems by file and line."""
    paths = [path for pair_files in files.values() for path in pair_files]
    if not paths:
        return
    report = ImportCandles(reader, store)(paths)
    if not report.clean:
        shown = "; ".join(str(problem) for problem in report.bad_rows[:LISTED])
        total = report.bad_row_count + report.conflict_count
        more = f" (and {total - LISTED} more)" if total > LISTED else ""
        raise CandleFileError(f"{total} bad candle row(s): {shown}{more}")
