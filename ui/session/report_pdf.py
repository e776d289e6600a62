# SPDX-License-Identifier: Apache-2.0
"""The customer's PDF report: QTextDocument laid out on Qt's own QPdfWriter, offline."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QSizeF, QUrl
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

from concierge.session.report import ReportContent, ReportLine
from concierge.session.text import fmt_days, fmt_pct, fmt_value
from ui.session.chart import chart_image
from ui.session.signature import signature_image

STATUS_WORDS = {"resolved": "Resolved", "mitigated": "Mitigated", "open": "Still open"}
VERDICT_COLOURS = {"better": "#2e7d32", "worse": "#c62828"}
CSS = """
body { font-family: 'DejaVu Sans', sans-serif; font-size: 9.5pt; color: #1d2329; }
h1 { font-size: 18pt; color: #1f7a8c; margin: 0; }
h2 { font-size: 12pt; color: #1f7a8c; margin-top: 16px; margin-bottom: 4px; }
.muted { color: #5b6670; }
table.grid { border-collapse: collapse; }
table.grid th { background: #eef1f4; color: #5b6670; text-align: left; padding: 4px; }
table.grid td { padding: 4px; border-bottom: 1px solid #cfd6dc; }
.quote { font-size: 11pt; font-style: italic; }
.stars { font-size: 16pt; color: #e0a100; }
"""


def render_pdf(content: ReportContent) -> bytes:
    """The report as PDF bytes (A4)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(f"{content.title} – {content.site or content.visit_id}")
    writer.setCreator("Field Concierge")
    writer.setResolution(144)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    doc = report_document(content, writer.width())
    doc.setPageSize(QSizeF(writer.width(), writer.height()))
    doc.print_(writer)
    del writer
    buffer.close()
    return bytes(data.data())


def report_document(content: ReportContent, width: int) -> QTextDocument:
    """The laid-out report for a page ``width`` device pixels wide."""
    doc = QTextDocument()
    doc.setDocumentMargin(0)
    doc.setDefaultStyleSheet(CSS)
    doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl("report://chart"),
                    chart_image(content.comparisons, content.asset_names))
    if content.signature:
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl("report://signature"),
                        signature_image(content.signature))
    doc.setHtml(report_html(content, width))
    return doc


def report_html(c: ReportContent, width: int) -> str:
    e = escape
    parts = [
        f"<h1>{e(c.title)}</h1>",
        f"<p><b>{e(c.customer)}</b> · {e(c.site)}<br/>{e(c.address)}<br/>"
        f"<span class='muted'>{c.date.astimezone():%A %d %B %Y} · visit {e(c.visit_id)}"
        + (f" · technician {e(c.technician)}" if c.technician else "") + "</span></p>",
        f"<h2>Why we came</h2><p>{e(c.reason)}</p>",
        "<h2>What you asked for</h2>",
        f"<p class='quote'>“{e(c.wishes_text)}”</p>" if c.wishes_text.strip() else "",
        f"<p>Priorities: <b>{e(', '.join(c.wish_tags))}</b></p>" if c.wish_tags else "",
        _present(c),
        "<h2>What we did</h2>",
        _lines(c.done, "Result"),
    ]
    if c.skipped:
        parts += ["<p class='muted'>Not done this time:</p>", _lines(c.skipped, "Reason")]
    parts += ["<h2>Before and after</h2>", _kpi_table(c),
              f"<p><img src='report://chart' width='{width - 8}'/></p>"]
    if c.insights:
        parts += ["<h2>Early warnings we acted on</h2>", _insight_table(c)]
    if c.recommendations:
        parts += ["<h2>Our recommendations</h2>", _bullets(c.recommendations)]
    if c.follow_ups:
        parts += ["<h2>Follow-ups</h2>", _bullets(c.follow_ups)]
    parts += ["<h2>How did we do?</h2>", _rating(c), "<h2>Sign-off</h2>", _signatures(c)]
    return "<html><body>" + "".join(parts) + "</body></html>"


def _present(c: ReportContent) -> str:
    who = (["the customer"] if c.customer_present else []) + c.present
    return f"<p class='muted'>Present: {escape(', '.join(who))}</p>" if who else ""


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table class='grid' width='100%' cellspacing='0'><tr>{head}</tr>{body}</table>"


def _lines(lines: list[ReportLine], what: str) -> str:
    if not lines:
        return "<p class='muted'>Nothing recorded.</p>"
    return _table(["Step", "Equipment", what],
                  [[escape(x.title), escape(x.where or "Site"), escape(x.detail)] for x in lines])


def _kpi_table(c: ReportContent) -> str:
    rows = []
    for k in c.comparisons:
        colour = VERDICT_COLOURS.get(k.verdict, "#5b6670")
        source = " (spot)" if k.before_source == "spot" else ""
        rows.append([
            escape(c.asset_names.get(k.asset_id, k.asset_id)), escape(k.kpi.label),
            escape(fmt_value(k.before, k.kpi.unit)) + source,
            escape(fmt_value(k.after, k.kpi.unit)),
            f"<span style='color:{colour}'>{escape(fmt_pct(k.improvement_pct))}</span>",
        ])
    return _table(["Equipment", "KPI", "Before", "After", "Change"], rows)


def _insight_table(c: ReportContent) -> str:
    rows = [[
        escape(o.insight.headline), escape(STATUS_WORDS[o.status]),
        escape(fmt_days(o.days_before, c.horizon_days)),
        escape(fmt_days(o.days_after, c.horizon_days)) if o.after is not None
        or o.status == "resolved" else "not re-measured",
    ] for o in c.insights]
    return _table(["Warning", "Status", "Time to impact before", "After"], rows)


def _bullets(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def _rating(c: ReportContent) -> str:
    if c.rating is None:
        text = "<p class='muted'>No rating given.</p>"
    else:
        stars = "★" * c.rating + "☆" * (5 - c.rating)
        text = f"<p><span class='stars'>{stars}</span>  Rating: {c.rating} / 5</p>"
    return text + (f"<p class='quote'>“{escape(c.comment)}”</p>" if c.comment.strip() else "")


def _signatures(c: ReportContent) -> str:
    out = ""
    if c.signature:
        out += "<p><img src='report://signature' width='360' height='120'/><br/>"
        out += "<span class='muted'>Customer's signature</span></p>"
    elif not c.customer_present:
        out += "<p class='muted'>The customer was not present to sign.</p>"
    if c.signed_off_by and c.signed_off_at:
        out += (f"<p>Signed off by {escape(c.signed_off_by)}, "
                f"{c.signed_off_at.astimezone():%d %B %Y %H:%M}</p>")
    return out
