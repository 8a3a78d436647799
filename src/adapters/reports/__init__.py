"""Reports a person reads: a self-contained report.html with matplotlib PNGs and metrics.json
(application.evaluation.ports.ReportWriter). matplotlib is the optional ``report`` extra; it is
imported only when a writer is built or draws."""

from adapters.reports.writer import INSTALL_HINT, HtmlReportWriter, MissingReportExtra, require_matplotlib

__all__ = ["INSTALL_HINT", "HtmlReportWriter", "MissingReportExtra", "require_matplotlib"]
