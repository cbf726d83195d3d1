// Today: the check-in card, the time-off clock, the next reminder, and a quiet way to
// note a hard moment so Tend can check in afterwards.

import { get, post } from "../api.js";
import { removedDevicesNote } from "../devices.js";
import { card, clockTime, failedCard, field, h, inBackground, isoDate, mount, onSubmit, when } from "../ui.js";
import { LAST_MOMENT } from "./now.js";
import { shiftCard } from "./shifts.js";

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

/** A check-in invitation, or — once one is done today — a calm note that it is. */
function checkinCard(latestToday) {
  if (latestToday) {
    const at = clockTime(new Date(latestToday.created_at));
    const section = card("Checked in today",
      h("p", {}, `You checked in at ${at}. That's enough for today; nothing more is needed.`),
      h("a", { class: "tap-link", href: "#/checkin" }, "Check in again anyway"));
    section.id = "checked-in";
    return section;
  }
  return card("A quick check-in",
    h("p", {}, "One to three questions. About a minute."),
    h("a", { class: "button", href: "#/checkin" }, "Check in now"));
}

/** The newest check-in of the device's today, or null. */
async function checkedInToday() {
  const answer = await get(`/api/checkins?since=${isoDate(new Date())}&limit=1`);
  return answer.checkins?.[0] || null;
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
    const answer = await post("/api/moments", {
      kind: data.get("kind"), intensity: Number(data.get("intensity")), ...(note ? { note } : {}),
    });
    onDone(true, answer?.moment);
  });
}

function momentCard() {
  const slot = h("div");
  const open = h("button", { type: "button", class: "secondary", "aria-expanded": "false" },
    "Log a hard moment");
  const section = card("Hard moments",
    h("p", {}, "After a hard call or session, note it here. Tend will check in gently later."),
    open, slot, h("p", {}, h("a", { href: "#/moments" }, "Your hard moments")));
  open.addEventListener("click", () => {
    open.hidden = true;
    slot.replaceChildren(momentForm((saved, moment) => {
      if (saved) {
        // A short screen instead of a toast: what might help now, and when Tend checks back.
        sessionStorage.setItem(LAST_MOMENT, JSON.stringify(moment || null));
        location.hash = "#/now/after";
        return;
      }
      slot.replaceChildren();
      open.hidden = false;
      open.focus();
    }));
    slot.querySelector("input")?.focus();
  });
  return section;
}

/** Render the Today screen. */
export async function render(ctx) {
  const [reminders, timeoff, shifts, removedDevices, latestToday] = await Promise.all([
    get("/api/reminders").then((a) => a.reminders).catch((error) => error),
    get("/api/timeoff").catch((error) => error),
    shiftCard().catch((error) => failedCard("Your shifts", error)),
    inBackground(removedDevicesNote()), // a one-time note: missing it once is harmless
    inBackground(checkedInToday()), // unknown: the invitation is the safe default
  ]);
  mount(
    h("h1", {}, greeting()),
    removedDevices,
    pausedNote(ctx.user),
    checkinCard(latestToday),
    shifts,
    reminders instanceof Error ? failedCard("Next reminder", reminders) : nextReminderCard(reminders),
    timeoff instanceof Error ? failedCard("Time off", timeoff) : timeOffCard(timeoff),
    reminders instanceof Error ? null : dayDoneCard(reminders),
    momentCard(),
    card("Learn and look back",
      h("p", {}, h("a", { href: "#/learn" }, "Short reads on this work and what helps")),
      h("p", {}, h("a", { href: "#/reflect" }, "Your monthly look back"))),
  );
}
