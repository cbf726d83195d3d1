// Today: the check-in card, the time-off clock, the next reminder, and a quiet way to
// note a hard moment so Tend can check in afterwards.

import { get, getOptional, post } from "../api.js";
import { card, field, h, mount, onSubmit, toast, when } from "../ui.js";

const MOMENT_KINDS = [
  ["distressing_disclosure", "Someone shared something distressing"],
  ["critical_incident", "A critical incident"],
  ["client_loss", "Losing a client or patient"],
  ["safety_threat", "A threat to my own safety"],
  ["other", "Something else"],
];

function greeting() {
  const hour = new Date().getHours();
  if (hour < 5) return "Hello";
  if (hour < 12) return "Good morning";
  if (hour < 18) return "Good afternoon";
  return "Good evening";
}

function pausedNote(user) {
  if (!user.paused_until || new Date(user.paused_until) <= new Date()) return null;
  return card(null, h("p", {}, `Reminders are paused until ${when(user.paused_until)}. `,
    h("a", { href: "#/settings" }, "Change")));
}

function checkinCard() {
  return card("A quick check-in",
    h("p", {}, "One to three questions. About a minute."),
    h("a", { class: "button", href: "#/checkin" }, "Check in now"));
}

/** The time-off clock: days since real time off, and the countdown to planned time off. */
export function timeOffCard(data) {
  if (!data) return null;
  const days = data.days_since_time_off;
  const clock = data.clock || {};
  const planned = data.next_planned;
  const parts = [];
  if (days === null || days === undefined) {
    parts.push(h("p", {}, "No time off noted yet. ", h("a", { href: "#/settings/timeoff" }, "Add some")));
  } else {
    parts.push(h("p", { class: "big" }, String(days)),
      h("p", {}, days === 1 ? "day since your last time off" : "days since your last time off"));
  }
  // The number is already shown big; keep only the clock's advice, not a repeat of it.
  const message = (clock.message || data.message || "").split(/(?<=\.)\s+/)
    .filter((sentence) => !/since your last time off/i.test(sentence)).join(" ");
  if (message) parts.push(h("p", { class: "muted" }, message));
  if (planned) {
    const start = planned.start || planned;
    const inDays = planned.days_until ?? planned.in_days;
    parts.push(h("p", {}, inDays !== undefined
      ? `Next time off starts in ${inDays} ${inDays === 1 ? "day" : "days"} (${start}).`
      : `Next time off starts ${start}.`));
  }
  const level = clock.level || data.level;
  const section = card("Time off", ...parts);
  if (level === "nudge" || level === "strong") section.classList.add("warm");
  return section;
}

function nextReminderCard(reminders) {
  if (!reminders) return null;
  const upcoming = reminders.filter((r) => r.enabled && r.next_due_at)
    .sort((a, b) => new Date(a.next_due_at) - new Date(b.next_due_at));
  if (!upcoming.length) {
    return card("Next reminder", h("p", {}, "Nothing planned. ", h("a", { href: "#/reminders" }, "Add a reminder")));
  }
  const next = upcoming[0];
  return card("Next reminder", h("p", {}, h("strong", {}, next.title), ` \u2013 ${when(next.next_due_at)}`),
    h("a", { href: "#/reminders" }, "All reminders"));
}

function dayDoneCard(reminders) {
  if (!reminders?.some((r) => r.kind === "boundary" && r.enabled)) return null;
  const status = h("p", { role: "status", class: "muted" });
  const button = h("button", { type: "button", class: "secondary", onclick: async () => {
    button.disabled = true;
    try {
      await post("/api/habits/day-done");
      status.textContent = "Done for today. No more work nudges until tomorrow.";
      button.hidden = true;
    } catch (error) {
      status.textContent = error.message;
      button.disabled = false;
    }
  } }, "Done for today");
  return card("Finished work?", h("p", {}, "Mark the day done and Tend stays quiet about work."),
    button, status);
}

/** The "log a hard moment" form. */
export function momentForm(onDone) {
  const intensity = h("fieldset", {}, h("legend", {}, "How heavy does it feel?"),
    h("div", { class: "row" }, [1, 2, 3, 4, 5].map((n) => h("label", { class: "check" },
      h("input", { type: "radio", name: "intensity", value: n, checked: n === 3 }), String(n)))),
    h("p", { class: "hint" }, "1 is a little, 5 is a lot."));
  const form = h("form", { novalidate: true },
    h("fieldset", {}, h("legend", {}, "What happened?"),
      MOMENT_KINDS.map(([value, text], i) => h("label", { class: "check" },
        h("input", { type: "radio", name: "kind", value, checked: i === 0 }), text))),
    intensity,
    field("A note, if you like", h("textarea", { name: "note", rows: 2, maxlength: 500 }),
      "Only you can see it."),
    h("div", { class: "row" }, h("button", { type: "submit" }, "Save"),
      h("button", { type: "button", class: "quiet", onclick: () => onDone(false) }, "Cancel")));
  return onSubmit(form, async (data) => {
    const note = (data.get("note") || "").trim();
    await post("/api/moments", {
      kind: data.get("kind"), intensity: Number(data.get("intensity")), ...(note ? { note } : {}),
    });
    onDone(true);
  });
}

function momentCard() {
  const slot = h("div");
  const open = h("button", { type: "button", class: "secondary", "aria-expanded": "false" },
    "Log a hard moment");
  const section = card("Hard moments",
    h("p", {}, "After a hard call or session, note it here. Tend will check in gently later."),
    open, slot);
  open.addEventListener("click", () => {
    open.hidden = true;
    slot.replaceChildren(momentForm((saved) => {
      slot.replaceChildren();
      open.hidden = false;
      open.focus();
      if (saved) toast("Noted. Thank you for taking a moment for it.");
    }));
    slot.querySelector("input")?.focus();
  });
  return section;
}

/** Render the Today screen. */
export async function render(ctx) {
  const [reminders, timeoff] = await Promise.all([
    get("/api/reminders").then((a) => a.reminders).catch(() => null),
    getOptional("/api/timeoff").catch(() => null),
  ]);
  mount(
    h("h1", {}, greeting()),
    pausedNote(ctx.user),
    checkinCard(),
    nextReminderCard(reminders),
    timeOffCard(timeoff),
    dayDoneCard(reminders),
    momentCard(),
  );
}
