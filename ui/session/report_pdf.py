# SPDX-License-Identifier: Apache-2.0
"""The customer's PDF report: QTextDocument laid out on Qt's own QPdfWriter, offline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from html import escape

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QImage,
    QPageLayout,
    QPageSize,
    QPalette,
    QPdfWriter,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)

from concierge.i18n import Msg, Translator, msg, pmsg
from concierge.insights.text import headline_text
from concierge.session.report import ReportContent, ReportLine
from concierge.session.text import fmt_change, fmt_days, fmt_value, label_name
from ui.session.chart import chart_image, paper_colours
from ui.session.signature import signature_image
from ui.theme import AA_GRAPHIC, paper_palette, semantic

# The report is written in the report's language (``content.language``: the customer's),
# never the UI's: every text here goes through ``content.translator``.
STATUS_WORDS = {"resolved": pmsg("insight outcome", "Resolved"),
                "mitigated": pmsg("insight outcome", "Mitigated"),
                "open": pmsg("insight outcome", "Still open")}
CSS = """
body {{ font-family: 'DejaVu Sans', sans-serif; font-size: 9.5pt; color: {text}; }}
h1 {{ font-size: 18pt; color: {accent}; margin: 0; }}
h2 {{ font-size: 12pt; color: {accent}; margin-top: 16px; margin-bottom: 4px; }}
.muted {{ color: {muted}; }}
table.grid {{ border-collapse: collapse; }}
table.grid th {{ background: {head}; color: {muted}; text-align: left; padding: 4px; }}
table.grid td {{ padding: 4px; border-bottom: 1px solid {rule}; }}
.quote {{ font-size: 11pt; font-style: italic; }}
.stars {{ font-size: 16pt; color: {star}; }}
"""


def paper_css() -> str:
    """The report's styles in the printed (light) palette's colours."""
    paper, role = paper_palette(), QPalette.ColorRole
    return CSS.format(
        text=paper.color(role.Text).name(), accent=semantic("accent", paper).name(),
        muted=semantic("muted", paper).name(), head=paper.color(role.Button).name(),
        rule=paper.color(role.Mid).name(), star=semantic("star", paper, AA_GRAPHIC).name())
THUMB = 150  # photo thumbnails, in page pixels


def render_pdf(content: ReportContent) -> bytes:
    """The report as PDF bytes (A4)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(" – ".join(x for x in (content.title, content.customer, content.site) if x))
    writer.setDocumentXmpMetadata(QByteArray())  # our metadata only (no stale language)
    writer.setCreator("Field Concierge")
    writer.setResolution(144)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    doc = report_document(content, writer.width(), writer.height())
    doc.print_(writer)
    del writer
    buffer.close()
    return bytes(data.data())


def report_document(content: ReportContent, width: int, height: int | None = None
                    ) -> QTextDocument:
    """The laid-out report for a page ``width`` device pixels wide (and, to be paged,
    ``height`` tall: then no heading is left alone at the foot of a page)."""
    doc = QTextDocument()
    doc.setDocumentMargin(0)
    doc.setDefaultStyleSheet(paper_css())
    doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl("report://chart"),
                    chart_image(content.comparisons, content.asset_names, content.translator))
    if content.signature:
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl("report://signature"),
                        signature_image(content.signature))
    for n, path in enumerate(content.photos):
        image = QImage(path)
        if not image.isNull():
            doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"report://photo/{n}"),
                            image.scaled(THUMB * 2, THUMB * 2, Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation))
    doc.setHtml(report_html(content, width))
    if height is not None:
        doc.setPageSize(QSizeF(width, height))
        keep_headings_with_next(doc)
    return doc


def _page_of(doc: QTextDocument, y: float) -> int:
    return int(y // doc.pageSize().height())


def keep_headings_with_next(doc: QTextDocument) -> None:
    """Move any heading that would end a page to the next one, with its block."""
    layout = doc.documentLayout()
    for _round in range(100):  # each move shifts what follows: look again
        block = doc.begin()
        moved = False
        while block.isValid():
            following = block.next()
            if block.blockFormat().headingLevel() and following.isValid():
                top = layout.blockBoundingRect(block).top()
                nxt = layout.blockBoundingRect(following)
                first_line = nxt.top() + min(nxt.height(), 24.0)
                if _page_of(doc, top) != _page_of(doc, first_line):
                    fmt = block.blockFormat()
                    if fmt.pageBreakPolicy() & QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore:
                        break  # already at a page top: a block taller than a page follows
                    fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
                    QTextCursor(block).setBlockFormat(fmt)
                    moved = True
                    break
            block = following
        if not moved:
            return


def report_html(c: ReportContent, width: int) -> str:
    e = escape
    t = c.translator

    # say()/h2() take English text: marked for the catalogue as keywords of their own.
    def say(text: str, **params: object) -> str:
        return e(t.render(msg(text, **params)))

    def h2(text: str) -> str:
        return f"<h2>{say(text)}</h2>"

    visit_line = (e(t.format_date(c.date, "full")) if not c.technician else
                  say("{date} · technician {technician}",
                      date=t.format_date(c.date, "full"), technician=c.technician))
    on_site = c.time_on_site
    if on_site is not None and c.started_at is not None:
        visit_line += "<br/>" + say(
            "Time on site: {duration} (arrived {time})",
            duration=_duration(on_site, t), time=t.format_time(c.started_at))
    parts = [
        f"<h1>{e(c.title)}</h1>",
        f"<p><b>{e(c.customer)}</b> · {e(c.site)}<br/>{e(c.address)}<br/>"
        f"<span class='muted'>{visit_line}</span></p>",
        h2("Why we came"), f"<p>{e(c.reason)}</p>",
        h2("What you asked for"),
        _wishes(c, t),
        "<p>" + say("Priorities: {wishes}", wishes=t.list(c.wish_tags)) + "</p>"
        if c.wish_tags else "",
        _present(c, t),
        h2("What we did"),
        _lines(c.done, say("Result"), t),
    ]
    if c.skipped:
        parts += ["<p class='muted'>" + say("Not done this time:") + "</p>",
                  _lines(c.skipped, say("Reason"), t)]
    thumbs = _photos(c)
    if thumbs:
        parts += [h2("Photos"), thumbs]
    parts += [h2("Before and after"), _kpi_table(c, t),
              f"<p><img src='report://chart' width='{width - 8}'/></p>"]
    if c.insights:
        parts += [h2("Early warnings we acted on"), _insight_table(c, t)]
    if c.goodwill:
        parts += [h2("Beyond the contract"), _goodwill(c, t)]
    watch = _watch(c, t)
    if watch:
        parts += [h2("What we watch for you next"), watch]
    if c.recommendations:
        parts += [h2("Our recommendations"), _bullets(c.recommendations)]
    if c.follow_ups:
        parts += [h2("Follow-ups"), _bullets(c.follow_ups)]
    parts += [h2("How did we do?"), _rating(c, t), h2("Sign-off"), _signatures(c, t)]
    if c.technician or c.office_phone:
        parts += [h2("Who to call"), "<p>" + _who_to_call(c, say) + "</p>"]
    lang = e(c.language)
    return f"<html lang='{lang}'><body>" + "".join(parts) + "</body></html>"


def _who_to_call(c: ReportContent, say: Callable[..., str]) -> str:
    """The technician, and the office's phone from the site's contract when there is one."""
    if c.office_phone and c.technician:
        return say("Your technician was {name}. For anything about this visit, call our "
                   "office on {phone} and mention the date of this report.",
                   name=c.technician, phone=_unbroken(c.office_phone))
    if c.office_phone:
        return say("For anything about this visit, call our office on {phone} and mention "
                   "the date of this report.", phone=_unbroken(c.office_phone))
    return say("Your technician was {name}. For anything about this visit, call our office "
               "and mention the date of this report.", name=c.technician)


def _unbroken(phone: str) -> str:
    """A phone number that never breaks across lines."""
    return phone.replace(" ", "\u00a0")


def _duration(span: timedelta, t: Translator) -> str:
    """``1 hour 35 minutes``: whole hours, then the minutes."""
    minutes = max(round(span.total_seconds() / 60), 1)
    hours, rest = divmod(minutes, 60)
    parts = [t.duration(timedelta(hours=hours), granularity="hour")] if hours else []
    parts += [t.duration(timedelta(minutes=rest), granularity="minute")] if rest else []
    return " ".join(parts)


def _wishes(c: ReportContent, t: Translator) -> str:
    """Each wish in the customer's words, their answer, and what happens next."""
    if not c.wishes:
        return ""
    rows = []
    for w in c.wishes:
        wish = f"“{escape(w.text)}”"
        if w.since:
            wish += "<br/><span class='muted'>" + escape(t.render(
                msg("from your visit on {date}", date=w.since))) + "</span>"
        answer = escape(w.answer) if w.answer else "<span class='muted'>" + escape(
            t.render(msg("not asked"))) + "</span>"
        notes = [escape(w.comment)] if w.comment.strip() else []
        if w.follow_up_by is not None:
            notes.append(escape(t.render(msg("We follow this up by {date}.",
                                             date=t.format_date(w.follow_up_by, "long")))))
        rows.append([wish, answer, "<br/>".join(notes)])
    return _table(_heads(t, msg("Your wish"), msg("Did we solve it?"), msg("Notes and next step")),
                  rows)


GOODWILL_WORDS = {
    "done": msg("You asked about {text}: we did it as goodwill, free of charge."),
    "approved": msg("You asked about {text}: we did it as goodwill, free of charge."),
    "pending": msg("You asked about {text}: we asked our office to approve it as goodwill "
                   "and will let you know."),
    "declined": msg("You asked about {text}: our office could not approve it ({reason})."),
    "offered": msg("You asked about {text}: our office will send you an offer."),
    "referred": msg("You asked about {text}: we referred you ({reason})."),
}


def _watch(c: ReportContent, t: Translator) -> str:
    """What happens after the visit: improvements re-checked, warnings still followed."""
    lines = [t.render(msg("{kpi} on {asset}: we check that the improvement holds, 7 and "
                          "30 days from now.", kpi=label_name(k.kpi.label, t=t),
                          asset=c.asset_names.get(k.asset_id, "")))
             for k in c.comparisons if k.verdict == "improved"]
    lines += [t.render(msg("{warning}: we keep watching it ({status}).",
                           warning=insight_title(o.insight, c, t),
                           status=t.render(STATUS_WORDS[o.status])))
              for o in c.insights if o.status != "resolved"]
    return _bullets(lines) if lines else ""


def _goodwill(c: ReportContent, t: Translator) -> str:
    lines = [t.render(GOODWILL_WORDS[r.status].with_params(
        text=r.text, reason=r.decision_reason or r.note)) for r in c.goodwill]
    return _bullets(lines)


def _present(c: ReportContent, t: Translator) -> str:
    who = ([t.render(msg("the customer"))] if c.customer_present else []) + c.present
    if not who:
        return ""
    return "<p class='muted'>" + escape(t.render(msg("Present: {people}",
                                                      people=t.list(who)))) + "</p>"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table class='grid' width='100%' cellspacing='0'><tr>{head}</tr>{body}</table>"


def _heads(t: Translator, *texts: Msg) -> list[str]:
    return [escape(t.render(text)) for text in texts]


def _lines(lines: list[ReportLine], what: str, t: Translator) -> str:
    if not lines:
        return "<p class='muted'>" + escape(t.render(msg("Nothing recorded."))) + "</p>"
    site = t.render(pmsg("report", "Site"))
    return _table([*_heads(t, msg("Step"), msg("Equipment")), what],
                  [[escape(x.title), escape(x.where or site), escape(x.detail)] for x in lines])


def _kpi_table(c: ReportContent, t: Translator) -> str:
    rows = []
    for k in c.comparisons:
        colour = paper_colours().verdicts.get(k.verdict, paper_colours().text).name()
        source = " " + t.render(msg("(spot)")) if k.before_source == "spot" else ""
        rows.append([
            escape(c.asset_names.get(k.asset_id, k.asset_id)), escape(label_name(k.kpi.label, t=t)),
            escape(fmt_value(k.before, k.kpi.unit, t=t) + source),
            escape(fmt_value(k.after, k.kpi.unit, t=t)),
            f"<span style='color:{colour}'>"
            f"{escape(fmt_change(k.change_pct, k.verdict, t=t))}</span>",
        ])
    return _table(_heads(t, msg("Equipment"), msg("KPI"), msg("Before"), msg("After"),
                         msg("Change")), rows)


def _insight_table(c: ReportContent, t: Translator) -> str:
    rows = [[
        escape(insight_title(o.insight, c, t)), escape(t.render(STATUS_WORDS[o.status])),
        escape(fmt_days(o.days_before, c.horizon_days, t=t)),
        escape(fmt_days(o.days_after, c.horizon_days, t=t)) if o.after is not None
        or o.status == "resolved" else escape(t.render(msg("not re-measured"))),
    ] for o in c.insights]
    return _table(_heads(t, msg("Warning"), msg("Status"), msg("Time to impact before"),
                         msg("After")), rows)


INSIGHT_KINDS = {"trend": msg("{metric}: drifting towards its limit"),
                 "deviation": msg("{metric}: unusual behaviour"),
                 "counter": msg("{metric}: service due soon")}


def insight_title(insight: object, c: ReportContent, t: Translator) -> str:
    """An insight in the report's language, from its data (the office's headline is
    English): "Motortemperatur: Drift zur Grenze · Aufzug X (S/N)"."""
    from concierge.domain import metric_spec

    headline = headline_text(str(getattr(insight, "headline", "")),
                             getattr(insight, "headline_code", None))
    if isinstance(headline, Msg):
        return t.render(headline)
    kind = str(getattr(insight, "kind", ""))
    template = INSIGHT_KINDS.get(kind)
    if template is None:
        return headline
    asset_id = str(getattr(insight, "asset_id", ""))
    metric = str(getattr(insight, "metric", ""))
    try:
        label = metric_spec(c.asset_kinds.get(asset_id, ""), metric).label
    except (KeyError, ValueError):
        label = metric
    return t.render(template.with_params(metric=label_name(label, t=t)))


def _photos(c: ReportContent) -> str:
    cells = [f"<img src='report://photo/{n}' width='{THUMB}'/>&nbsp;"
             for n, path in enumerate(c.photos) if not QImage(path).isNull()]
    return "<p>" + "".join(cells) + "</p>" if cells else ""


def _bullets(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def _rating(c: ReportContent, t: Translator) -> str:
    if c.rating is None:
        text = "<p class='muted'>" + escape(t.render(msg("No rating given."))) + "</p>"
    else:
        stars = "★" * c.rating + "☆" * (5 - c.rating)
        rating = escape(t.render(msg("Rating: {rating} / 5", rating=c.rating)))
        text = f"<p><span class='stars'>{stars}</span>  {rating}</p>"
    return text + (f"<p class='quote'>“{escape(c.comment)}”</p>" if c.comment.strip() else "")


def signed_at(c: ReportContent, t: Translator) -> str:
    """``15. Juni 2025, 15:06`` / ``June 15, 2025, 3:06 PM``."""
    assert c.signed_off_at is not None
    return t.render(msg("{date}, {time}", date=t.format_date(c.signed_off_at, "long"),
                        time=t.format_time(c.signed_off_at)))


def _signatures(c: ReportContent, t: Translator) -> str:
    out = ""
    if c.signature:
        out += "<p><img src='report://signature' width='360' height='120'/><br/>"
        who = (t.render(msg("Signed by {name}", name=c.signer)) if c.signer.strip()
               else t.render(msg("Customer’s signature")))
        out += "<span class='muted'>" + escape(who) + "</span></p>"
    elif not c.customer_present:
        out += ("<p class='muted'>"
                + escape(t.render(msg("The customer was not present to sign."))) + "</p>")
    if c.signed_off_by and c.signed_off_at:
        out += "<p>" + escape(t.render(msg("Signed off by {name}, {moment}",
                                           name=c.signed_off_by,
                                           moment=signed_at(c, t)))) + "</p>"
    return out
