// The one-screen answer: a check-in notification tapped on Safari (which shows no answer
// buttons) opens #/answer/<token>. The token alone authorises reading the question and
// answering it, signed in or not; one tap answers.

import { ApiError, get, post } from "../api.js";
import { clearBadge } from "../heal.js";
import { card, h, mount } from "../ui.js";
import { scaleChoices } from "./checkin.js";

const HOME = () => h("a", { class: "button secondary", href: "#/today" }, "Open Tend");

/** What to say when the question cannot be read or answered (404, 410, offline, other). */
function problem(error, retry) {
  if (error instanceof ApiError && error.status === 410) {
    return [h("h1", {}, "This check-in has passed"),
      h("p", {}, "No need to catch up. You can check in whenever you like."),
      h("div", { class: "row" }, h("a", { class: "button", href: "#/checkin" }, "Check in now"), HOME())];
  }
  if (error instanceof ApiError && error.status === 404) {
    return [h("h1", {}, "Already answered"),
      h("p", {}, "This question has been answered, or the link is no longer valid. Nothing else to do."),
      HOME()];
  }
  return [h("h1", {}, "This didn't load"),
    h("p", { role: "alert" }, error.message || "Please try again in a moment."),
    h("button", { type: "button", onclick: retry }, "Try again")];
}

function thanks() {
  return [h("h1", {}, "Thank you"),
    h("p", {}, "Noted. That's all for now."),
    HOME()];
}

function questionScreen(token, delivery, onAnswered) {
  const question = delivery.question;
  const status = h("p", { role: "status", class: "muted" });
  const choose = async (button, value) => {
    const buttons = [...button.parentElement.querySelectorAll("button")];
    buttons.forEach((b) => { b.disabled = true; });
    button.setAttribute("aria-pressed", "true");
    status.textContent = "Sending\u2026";
    try {
      await post(`/api/deliveries/${encodeURIComponent(token)}/answer`, { value });
      onAnswered();
    } catch (error) {
      if (error.status === 404 || error.status === 410) { mount(...problem(error)); return; }
      buttons.forEach((b) => { b.disabled = false; });
      button.setAttribute("aria-pressed", "false");
      status.textContent = error.message;
    }
  };
  return [
    h("p", { class: "progress" }, delivery.title),
    h("h1", {}, question.text),
    h("div", { class: "scale", role: "group", "aria-label": question.text },
      scaleChoices(question.scale).map((choice) => h("button", {
        type: "button", "aria-pressed": "false",
        onclick: (event) => choose(event.currentTarget, choice.value),
      }, h("span", { class: "n" }, String(choice.value)),
      choice.label ? [" ", h("span", { class: "t" }, choice.label)] : null))),
    status,
    h("button", { type: "button", class: "quiet", onclick: () => { location.hash = "#/today"; } }, "Not now"),
  ];
}

/** Render #/answer/<token>. */
export async function render(_ctx, args = []) {
  const token = args[0] || "";
  clearBadge(); // opening the check-in is enough; the badge was only a gentle reminder
  const load = async () => {
    let delivery;
    try {
      delivery = await get(`/api/deliveries/${encodeURIComponent(token)}`);
    } catch (error) {
      mount(...problem(error, load));
      return;
    }
    if (!delivery.question) {
      mount(h("h1", {}, delivery.title || "A reminder from Tend"), card(null, h("p", {}, "Nothing to answer here.")), HOME());
      return;
    }
    mount(...questionScreen(token, delivery, () => mount(...thanks())));
  };
  await load();
}
