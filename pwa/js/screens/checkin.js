// The micro check-in: one question at a time, one tap per answer, sent when done — or kept
// in the outbox when the phone is offline, and sent (once) when it is back.

import { get } from "../api.js";
import { send } from "../outbox.js";
import { card, h, mount } from "../ui.js";

/** The scale's choices as [{value, label}], whatever shape the labels come in. */
export function scaleChoices(scale) {
  const min = scale?.min ?? 1;
  const max = scale?.max ?? 5;
  const labels = scale?.labels ?? [];
  const choices = [];
  for (let value = min; value <= max; value += 1) {
    let label = "";
    if (Array.isArray(labels)) label = labels.length === max - min + 1 ? labels[value - min] : "";
    else if (labels && typeof labels === "object") label = labels[value] ?? labels[String(value)] ?? "";
    choices.push({ value, label });
  }
  return choices;
}

function questionView(question, index, total, onAnswer, onSkip) {
  const choices = scaleChoices(question.scale);
  const headingId = `q-${question.id}`.replace(/[^\w-]/g, "-");
  return [
    h("p", { class: "progress" }, `Question ${index + 1} of ${total}`),
    h("section", { class: "card", "aria-labelledby": headingId },
      h("h2", { id: headingId }, question.text),
      h("div", { class: "scale", role: "group", "aria-labelledby": headingId },
        choices.map((choice) => h("button", {
          type: "button", "aria-pressed": "false",
          onclick: (event) => {
            event.currentTarget.setAttribute("aria-pressed", "true");
            onAnswer(choice.value);
          },
        }, h("span", { class: "n" }, String(choice.value)),
        choice.label ? [" ", h("span", { class: "t" }, choice.label)] : null))),
      h("button", { type: "button", class: "quiet", onclick: onSkip }, "Skip this one")),
  ];
}

function thanks(sent, queued = false) {
  return [h("h1", {}, sent ? "Thank you" : "All skipped"),
    h("p", {}, sent ? "That's all for now. Noticing is the first step." :
      "That's fine. Come back whenever you like."),
    queued ? h("p", { class: "muted", role: "status" },
      "You're offline, so your answers are kept on this phone. They'll be sent when you're connected.") : null,
    h("div", { class: "row" }, h("a", { class: "button", href: "#/today" }, "Back to today"),
      h("a", { class: "button secondary", href: "#/trends" }, "See trends"))];
}

/**
 * Render the check-in: fetch the next questions and walk through them. A follow-up
 * notification after a hard moment opens "#/checkin?domains=…&moment=ID".
 */
export async function render(_ctx, _args, params = new URLSearchParams()) {
  const domains = params.get("domains");
  const momentId = Number.parseInt(params.get("moment") || "", 10);
  const answer = await get(domains ? `/api/checkins/next?domains=${encodeURIComponent(domains)}`
    : "/api/checkins/next");
  const questions = (answer.questions || []).slice(0, 3);
  if (!questions.length) {
    mount(h("h1", {}, "Nothing to ask right now"),
      card(null, h("p", {}, "You're all caught up. Enjoy the rest of your day.")),
      h("a", { class: "button", href: "#/today" }, "Back to today"));
    return;
  }
  const answers = [];
  // Opened from a follow-up after a hard moment: help is one tap away, before any question.
  const helpNow = Number.isInteger(momentId)
    ? h("p", {}, h("a", { href: "#/now" }, "Need a moment first? Short exercises and people to reach"))
    : null;
  const finish = async () => {
    if (!answers.length) { mount(...thanks(false)); return; }
    try {
      const body = Number.isInteger(momentId) ? { answers, moment_id: momentId } : { answers };
      const result = await send("POST", "/api/checkins", body);
      mount(...thanks(true, result.status === "queued"));
    } catch (error) {
      mount(h("h1", {}, "Not sent yet"), h("p", { role: "alert" }, error.message),
        h("button", { type: "button", onclick: finish }, "Try again"));
    }
  };
  const step = (index) => {
    if (index >= questions.length) { finish(); return; }
    const question = questions[index];
    mount(h("h1", {}, "Check-in"),
      ...questionView(question, index, questions.length, (value) => {
        answers.push({ question_id: question.id, value });
        step(index + 1);
      }, () => step(index + 1)), helpNow);
  };
  step(0);
}
