"""The reports' adapter: the writer of the pages a person reads. matplotlib is the optional
``report`` extra, so the writer is built (and its absence reported) only when a command asks for it."""

from __future__ import annotations

from dependency_injector import containers, providers

from application.evaluation.ports import ReportWriter


def _html_writer() -> ReportWriter:
    from adapters.reports import HtmlReportWriter

    return HtmlReportWriter()


class ReportsContainer(containers.DeclarativeContainer):
    writer: providers.Singleton[ReportWriter] = providers.Singleton(_html_writer)
