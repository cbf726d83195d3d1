"""Discreet notifications: what a lock screen may show when the person asked for discretion.

A pure rewrite of a reminder's notification content: neutral title and body,
only buttons whose labels say nothing (answer buttons of a question are dropped,
because an answer makes no sense without the question), and a payload that
carries the question's id but not its words. The one-screen answer
(``/#/answer/<token>``) reads the question from the server once opened.
"""

from __future__ import annotations

import dataclasses

NEUTRAL_TITLE = "Tend"
NEUTRAL_BODY = "A moment for you, whenever you are ready."
# Buttons that stay, with labels that tell an onlooker nothing.
NEUTRAL_LABELS = {"done": "Done", "snooze": "Later", "day_done": "Done"}
# New accounts start discreet: a lock screen on a ward or in a shared office is public.
DISCREET_FOR_NEW_ACCOUNTS = True


def discreet_content(content):
    """``content`` (a NotificationContent) as a discreet notification."""
    actions = [
        dict(action, title=NEUTRAL_LABELS[action["action"]])
        for action in content.actions
        if action.get("action") in NEUTRAL_LABELS
    ]
    return dataclasses.replace(
        content,
        title=NEUTRAL_TITLE,
        body=NEUTRAL_BODY,
        actions=actions,
        extra=discreet_extra(content.extra),
    )


def discreet_extra(extra: dict) -> dict:
    """Only the question's id: enough to open its one-screen answer, not its words."""
    question = extra.get("question")
    question_id = question.get("id") if isinstance(question, dict) else extra.get("question_id")
    return {"question": {"id": question_id}} if question_id else {}
