// Shifts: whether reminders follow a work week or your shifts, this week's shifts, a quick
// night shift, a repeating pattern, and importing a roster (.ics). Today's card lives here too.

import { ApiError, get, patch, post, postFile } from "../api.js";
import {
  calendarDay, card, clockTime, field, h, isoDate, mount, onSubmit, removeButton, toast, when,
} from "../ui.js";

const PATTERNS = {
  nights_thu_sat: { name: "Nights, Thursday to Saturday", days: [0, 0, 0, 1, 1, 1, 0], weekly: true },
  four_four: { name: "4 on, 4 off", days: [1, 1, 1, 1, 0, 0, 0, 0] },
  two_two_three: { name: "2-2-3 (a fortnight)", days: [1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0] },
};

/** Monday of the week that holds `date`, at local midnight. */
function mondayOf(date) {
  const monday = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  monday.setDate(monday.getDate() - ((monday.getDay() + 6) % 7));
  return monday;
}

function addDays(date, days) {
  const next = new Date(date);
  next.setDate(next.getDate() + days);
  return next;
}

/** "19:00 – 07:30" for a shift, in this device's way of writing times. */
export function shiftTimes(shift) {
  return `${clockTime(new Date(shift.start))} \u2013 ${clockTime(new Date(shift.end))}`;
}

function shiftLine(shift, refresh) {
  const what = [shift.kind === "on_call" ? "On call" : null, shift.label].filter(Boolean).join(" \u00b7 ");
  const remove = removeButton(`the shift ${shiftTimes(shift)}`, `/api/shifts/${shift.id}`, refresh, "Shift removed.");
  return h("li", { class: "row spread" },
    h("div", { class: "shift" }, h("strong", {}, shiftTimes(shift)), what ? h("p", { class: "muted" }, what) : null),
    remove);
}

/** The week as seven rows, one per day, each with the shifts that start on it. */
async function weekList(monday, refresh) {
  const sunday = addDays(monday, 6);
  const answer = await get(`/api/shifts?from=${isoDate(monday)}&to=${isoDate(sunday)}`);
  const days = [];
  for (let i = 0; i < 7; i += 1) {
    const day = addDays(monday, i);
    const starting = answer.shifts.filter((s) => new Date(s.start).toDateString() === day.toDateString());
    days.push(h("li", { class: "week-day" },
      h("h3", {}, calendarDay(isoDate(day))),
      starting.length
        ? h("ul", { class: "list" }, starting.map((s) => shiftLine(s, refresh)))
        : h("p", { class: "muted" }, "Off")));
  }
  return h("ul", { class: "week" }, days);
}

function weekCard() {
  let monday = mondayOf(new Date());
  const holder = h("div");
  const title = h("p", { class: "muted", role: "status" });
  const refresh = async () => {
    title.textContent = `Week of ${calendarDay(isoDate(monday))}`;
    try { holder.replaceChildren(await weekList(monday, refresh)); } catch (error) { toast(error.message); }
  };
  const move = (days) => { monday = addDays(monday, days); refresh(); };
  const section = card("Your week", title,
    h("div", { class: "row spread" },
      h("button", { type: "button", class: "secondary", onclick: () => move(-7) }, "Earlier week"),
      h("button", { type: "button", class: "secondary", onclick: () => move(7) }, "Next week")),
    holder);
  section.refresh = refresh;
  return section;
}

function modeCard(ctx, onChange) {
  const current = ctx.user?.schedule_mode || "weekly";
  const option = (value, title, hint) => h("label", { class: "check" },
    h("input", { type: "radio", name: "schedule_mode", value, checked: current === value }),
    h("span", {}, h("strong", {}, title), h("br"), hint));
  const form = h("form", { novalidate: true },
    h("fieldset", {}, h("legend", {}, "Reminders follow"),
      option("weekly", "A regular work week", "Your work days and hours in Settings."),
      option("shifts", "My shifts", "Breaks inside shifts, an end-of-shift reminder, and sleep after nights.")),
    h("button", { type: "submit", class: "secondary" }, "Save"));
  return card("How your days run", onSubmit(form, async (data) => {
    const answer = await patch("/api/me", { schedule_mode: data.get("schedule_mode") });
    ctx.user = answer.user;
    toast(answer.user.schedule_mode === "shifts" ? "Reminders now follow your shifts." : "Reminders follow your work week.");
    onChange();
  }));
}

/** Wall date + "HH:MM" -> "YYYY-MM-DDTHH:MM"; an end before the start is the next day. */
function wallPair(day, start, end) {
  const endDay = end <= start ? isoDate(addDays(new Date(`${day}T12:00:00`), 1)) : day;
  return { start: `${day}T${start}`, end: `${endDay}T${end}` };
}

function quickCard(onAdded) {
  const form = h("form", { novalidate: true },
    field("Night of", h("input", { type: "date", name: "day", value: isoDate(new Date()), required: true })),
    h("div", { class: "pair" },
      field("Starts", h("input", { type: "time", name: "start", value: "19:00", required: true })),
      field("Ends", h("input", { type: "time", name: "end", value: "07:30", required: true }))),
    field("Name (optional)", h("input", { type: "text", name: "label", maxlength: 80, autocomplete: "off" })),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "on_call" }), "On call (breaks and the end-of-shift reminder wait)"),
    h("button", { type: "submit" }, "Add this shift"));
  return card("Add a night shift", onSubmit(form, async (data) => {
    const body = wallPair(data.get("day"), data.get("start"), data.get("end"));
    body.kind = data.get("on_call") ? "on_call" : "work";
    if (data.get("label")) body.label = data.get("label");
    const { shift } = await post("/api/shifts", body);
    toast(`Shift added: ${when(shift.start)}.`);
    onAdded();
  }));
}

function patternList(patterns, refresh) {
  if (!patterns.length) return null;
  return h("ul", { class: "list" }, patterns.map((pattern) => {
    const working = pattern.cycle.filter(Boolean).length;
    const remove = removeButton(`the pattern from ${calendarDay(pattern.start_date)}`,
      `/api/shifts/patterns/${pattern.id}`, refresh, "Pattern and its coming shifts removed.");
    return h("li", { class: "row spread" },
      h("p", {}, `From ${calendarDay(pattern.start_date)}: ${working} of every ${pattern.cycle.length} days`),
      remove);
  }));
}

function patternCard(patterns, refresh) {
  const choice = h("select", { name: "pattern" },
    Object.entries(PATTERNS).map(([value, p]) => h("option", { value }, p.name)));
  const form = h("form", { novalidate: true },
    field("Pattern", choice),
    field("First day of the cycle", h("input", { type: "date", name: "start_date", value: isoDate(mondayOf(new Date())), required: true }),
      "For Thursday-to-Saturday nights, pick a Monday."),
    h("div", { class: "pair" },
      field("Starts", h("input", { type: "time", name: "start", value: "19:00", required: true })),
      field("Ends", h("input", { type: "time", name: "end", value: "07:30", required: true }))),
    field("Weeks ahead", h("input", { type: "number", name: "weeks", value: 12, min: 1, max: 26, inputmode: "numeric" }),
      "Tend keeps adding weeks as time goes on."),
    h("button", { type: "submit" }, "Add the pattern"));
  return card("A repeating pattern",
    patternList(patterns, refresh),
    onSubmit(form, async (data) => {
      const entry = { start: data.get("start"), end: data.get("end") };
      const cycle = PATTERNS[data.get("pattern")].days.map((on) => (on ? entry : null));
      const answer = await post("/api/shifts/pattern", {
        start_date: data.get("start_date"), cycle, weeks: Number(data.get("weeks")) || 12,
      });
      toast(`Added ${answer.shifts.length} shifts.`);
      refresh();
    }));
}

function importCard(onImported) {
  const input = h("input", { type: "file", name: "roster", accept: ".ics,text/calendar", required: true });
  const status = h("p", { role: "status", class: "muted" });
  const form = h("form", { novalidate: true },
    field("Roster file (.ics)", input, "Export it from your rota app or calendar. Events that last all day are left out."),
    h("button", { type: "submit", class: "secondary" }, "Import"), status);
  return card("Import a roster", onSubmit(form, async () => {
    const [file] = input.files;
    if (!file) throw new ApiError(400, "no_file", "Choose a calendar file first.", { roster: "Choose a file." });
    if (file.size > 1024 * 1024) throw new ApiError(413, "too_large", "That file is over 1 MB.");
    const answer = await postFile("/api/shifts/import", file, "text/calendar");
    status.textContent = `${answer.imported} ${answer.imported === 1 ? "shift" : "shifts"} imported` +
      (answer.skipped ? `, ${answer.skipped} left out (all-day or not a shift).` : ".");
    onImported();
  }));
}

/** Today's card: the next shift, and the sleep window after a night. Null without shifts. */
export async function shiftCard() {
  const now = new Date();
  // A failure reaches Today, which says so in the shifts card's place.
  const answer = await get(`/api/shifts?from=${isoDate(addDays(now, -1))}&to=${isoDate(addDays(now, 7))}`);
  if (!answer?.shifts?.length) return null;
  const next = answer.shifts.find((s) => new Date(s.end) > now);
  const sleep = (answer.sleep_windows || []).find((w) => new Date(w.end) > now && new Date(w.start) < addDays(now, 1));
  const parts = [];
  if (next) {
    const started = new Date(next.start) <= now;
    parts.push(h("p", {}, started ? "On shift until " : "Next shift ",
      h("strong", {}, started ? when(next.end) : `${when(next.start)} \u2013 ${clockTime(new Date(next.end))}`)));
  }
  if (sleep) {
    parts.push(h("p", {}, "Sleep after your night: ",
      h("strong", {}, `${clockTime(new Date(sleep.start))} \u2013 ${clockTime(new Date(sleep.end))}`),
      ". Tend stays quiet then."));
  }
  if (!parts.length) return null;
  return card("Shifts", ...parts, h("a", { href: "#/shifts" }, "All shifts"));
}

/** Render the Shifts screen. */
export async function render(ctx) {
  const week = weekCard();
  const patternSlot = h("div");
  const refreshPatterns = async () => {
    const { patterns } = await get("/api/shifts/patterns");
    patternSlot.replaceChildren(patternCard(patterns, () => { week.refresh(); refreshPatterns(); }));
  };
  await Promise.all([week.refresh(), refreshPatterns()]);
  mount(
    h("h1", {}, "Shifts"),
    h("p", {}, "Tell Tend when you work, and reminders fit around your shifts and your sleep."),
    modeCard(ctx, () => render(ctx)),
    week,
    quickCard(() => week.refresh()),
    patternSlot,
    importCard(() => week.refresh()),
  );
}
