"""What a run has to tell, and the message saying it, in the job's language.

    run_events(...)          the events of a finished run, of those the job wants
    event_message(...)       one event as a Message: a title, lines, the link to the job page
    Message.text / .html / .slack() / .telegram(chat_id)   the same message per channel

Events: ``failed`` (the run failed), ``paused`` (that failure paused the job: it replaces
``failed``), ``check`` (the report's status is check: its reasons are the lines) and
``out_of_control`` (a funnel step's conversion left its p-chart limits: the report's
``verdicts.control_limits``, funnel_kpi/report/verdicts.py). The last two are told only when the
input changed (a run that wrote): an unchanged sheet tells nothing new every hour.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from funnel_kpi import text, textfmt

WROTE = ("written", "stale")  # run statuses whose input changed (or a forced run)
TELEGRAM_LIMIT = 4096  # characters in one Telegram message


def word(key: str, lang: str, **kw: Any) -> str:
    """A message's word or sentence: ``notify_msg_<key>`` of funnel_kpi's catalogue."""
    return text(f"notify_msg_{key}", lang, **kw)


@dataclass(frozen=True)
class Message:
    event: str
    title: str
    lines: tuple[str, ...]
    link: str | None
    link_label: str

    @property
    def text(self) -> str:
        body = "\n".join(f"- {line}" for line in self.lines)
        tail = f"\n\n{self.link_label}: {self.link}" if self.link else ""
        return f"{self.title}\n\n{body}{tail}\n"

    @property
    def html(self) -> str:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in self.lines)
        link = (f'<p><a href="{html.escape(self.link)}">{html.escape(self.link_label)}</a></p>'
                if self.link else "")
        return (f"<!doctype html><html><body><h2>{html.escape(self.title)}</h2>"
                f"<ul>{items}</ul>{link}</body></html>")

    def slack(self) -> dict[str, Any]:
        """Slack's incoming-webhook body (also taken by Mattermost, Rocket.Chat, Discord's
        /slack endpoint): ``text`` for notifications and clients without blocks."""
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "text": self.title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(
                f"• {_mrkdwn(line)}" for line in self.lines)[:3000] or " "}}]
        if self.link:
            blocks.append({"type": "context", "elements": [
                {"type": "mrkdwn", "text": f"<{self.link}|{_mrkdwn(self.link_label)}>"}]})
        return {"text": self.text[:3000], "blocks": blocks}

    def telegram(self, chat_id: str) -> dict[str, Any]:
        """Telegram's sendMessage body, HTML parse mode."""
        link = (f'\n\n<a href="{html.escape(self.link)}">{html.escape(self.link_label)}</a>'
                if self.link else "")
        head = f"<b>{html.escape(self.title)}</b>\n"
        room = TELEGRAM_LIMIT - len(head) - len(link)
        body = "\n".join(f"• {html.escape(line)}" for line in self.lines)
        if len(body) > room:
            body = body[:max(0, room - 1)].rsplit("\n", 1)[0] + "\n…"
        return {"chat_id": chat_id, "text": head + body + link, "parse_mode": "HTML",
                "disable_web_page_preview": True}


def _mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def outside_limits(report: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The report's steps whose latest conversion is outside their control limits."""
    verdicts = (report or {}).get("verdicts") or {}
    return [c for c in verdicts.get("control_limits") or () if c.get("outside")]


def run_events(*, status: str, data_status: str | None, paused: bool,
               report: Mapping[str, Any] | None, wanted: Collection[str]) -> list[str]:
    """The events of a finished run that the job wants, in the order they are sent."""
    if status == "failed":
        if paused and "paused" in wanted:
            return ["paused"]
        return ["failed"] if "failed" in wanted else []
    out = []
    if status in WROTE:
        if data_status == "check" and "check" in wanted:
            out.append("check")
        if "out_of_control" in wanted and outside_limits(report):
            out.append("out_of_control")
    return out


def _stage_labels(report: Mapping[str, Any] | None, lang: str) -> dict[str, str]:
    return {s["key"]: (s.get("ru") if lang == "ru" else s.get("en")) or s["key"]
            for s in (report or {}).get("funnel") or () if "key" in s}


def limit_lines(report: Mapping[str, Any] | None, lang: str) -> list[str]:
    labels = _stage_labels(report, lang)

    def pct(x: Any) -> str:
        return textfmt.figure(x, "ratio", lang)

    out = []
    for c in outside_limits(report):
        step = f"{labels.get(c['from'], c['from'])} → {labels.get(c['to'], c['to'])}"
        out.append(word("limits", lang, step=step, period=c.get("period", ""),
                        value=pct(c.get("value")), side=word(c["outside"], lang),
                        low=pct(c.get("low")), high=pct(c.get("high")),
                        centre=pct(c.get("centre")), months=c.get("months", "")))
    return out


@dataclass(frozen=True)
class RunFacts:
    """What a message needs of the job and its run (read once, outside any session)."""

    job_id: int
    job_name: str
    spreadsheet: str
    run_id: int | None
    finished: str  # "YYYY-MM-DD HH:MM"
    error: str | None
    failures: int  # failed runs in a row
    paused_reason: str | None


def event_message(event: str, facts: RunFacts, report: Mapping[str, Any] | None, lang: str,
                  link: str | None) -> Message:
    ru = lang == "ru"
    title = text(f"notify_title_{event}", lang, name=facts.job_name)
    lines: list[str] = [f"{word('spreadsheet', lang)}: {facts.spreadsheet}"]
    if event == "failed":
        lines.append(f"{word('error', lang)}: {facts.error or '—'}")
    elif event == "paused":
        lines.append(word("paused", lang, n=facts.failures))
        lines.append(f"{word('last_error', lang)}: {facts.error or facts.paused_reason or '—'}")
    elif event == "check":
        reasons: Sequence[str] = (report or {}).get(
            "status_reasons_ru" if ru else "status_reasons") or ()
        lines.extend(reasons)
    elif event == "out_of_control":
        lines.extend(limit_lines(report, lang))
    if facts.run_id is not None:
        lines.append(word("run", lang, id=facts.run_id, when=facts.finished))
    return Message(event, title, tuple(lines), link, word("open", lang))


__all__ = ["WROTE", "Message", "RunFacts", "event_message", "limit_lines",
           "outside_limits", "run_events", "word"]
