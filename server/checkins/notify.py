"""The notification of a check-in or follow-up: its first question with two quick answers.

The dispatcher calls ``checkin_content`` and then issues the delivery's answer
token; the service worker posts a tapped button (``"answer:4"``) with that
token. A tap elsewhere opens the check-in screen with all of today's questions.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from sqlmodel import Session

from server.accounts.models import User
from server.checkins import service
from server.checkins.bank import Question, QuestionBank
from server.checkins.scoring import AnswerRecord
from server.checkins.selection import select_questions
from server.reminders.content import NotificationContent, default_ttl
from server.reminders.kinds import default_title
from server.reminders.models import Delivery, Reminder
from server.reminders.schedule import local_date

FOLLOWUP_DOMAINS = ("intrusion", "sleep", "support")
# A notification button ``answer:4`` answers the delivery's question with the value 4.
ANSWER_PREFIX = "answer:"


def answer_action(answer, **extra) -> dict:
    """One quick answer as a notification action (``extra``: e.g. its ``navigate`` path)."""
    return {"action": f"{ANSWER_PREFIX}{answer.value}", "title": answer.title, **extra}


def answer_actions(question: Question, navigate_path: str) -> list[dict]:
    """The question's quick answers as notification actions (Chrome shows two)."""
    return [answer_action(answer, navigate=navigate_path) for answer in question.quick_answers[:2]]


def checkin_path(reminder: Reminder, domains: list[str] | None) -> str:
    """The check-in screen, narrowed to a follow-up's domains and moment when there is one."""
    params = {}
    if domains:
        params["domains"] = ",".join(domains)
    if reminder.meta and reminder.meta.get("moment_id") is not None:
        params["moment"] = str(reminder.meta["moment_id"])
    # The PWA routes by hash; its check-in screen reads the query after the hash.
    return "/#/checkin" + ("?" + urlencode(params) if params else "")


def checkin_content(
    session: Session,
    user: User,
    reminder: Reminder,
    delivery: Delivery,
    now: datetime,
    *,
    history: list[AnswerRecord] | None = None,
    bank: QuestionBank | None = None,
) -> NotificationContent:
    """The notification for one check-in delivery; sets ``delivery.question_id``.

    ``history`` is the user's ``selection_history`` and ``bank`` the current
    bank, when the caller already has them (the dispatcher loads both once per
    batch); otherwise they are loaded here.
    """
    if bank is None:
        bank = service.current_bank()
    domains = None
    if reminder.kind == "followup":
        wanted = (reminder.meta or {}).get("domains") or list(FOLLOWUP_DOMAINS)
        domains = [name for name in wanted if name in bank.domains] or None
    if history is None:
        history = service.selection_history(session, user, now)
    questions = select_questions(bank, history, local_date(now, user.zone), domains=domains)
    # The bank is shared by a whole batch of users; each reads it in their own words.
    first = questions[0].worded(user.role)
    delivery.question_id = first.id
    path = checkin_path(reminder, domains)
    return NotificationContent(
        title=reminder.title or default_title(reminder.kind) or default_title("checkin"),
        body=first.text,
        actions=answer_actions(first, path),
        extra={"question": first.public()},
        navigate_path=path,
        ttl=default_ttl(reminder.kind),
        urgency="normal",
    )
