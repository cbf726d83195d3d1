// Reminders: a compact list (title, when, next, an on/off switch named after the reminder);
// tapping a row opens an edit sheet (name, time, days, snooze when due, remove with undo);
// a reminder of your own; a test notification; and the starter programs.

import { del, get, getOptional, patch, post } from "../api.js";
import { presetCard } from "../presets.js";
import { sendTest } from "../push.js";
import { describeSchedule, isMonthlyPlanner } from "../schedule.js";
import { busy, card, checkedDays, dayPicker, failedCard, field, h, inBackground, mount, onSubmit, toast, uid, when } from "../ui.js";

const SNOOZE_CHOICES = [[10, "10 minutes"], [30, "30 minutes"], [60, "1 hour"], [180, "3 hours"]];

function scheduleText(reminder) {
  return describeSchedule(reminder.schedule, { monthly: isMonthlyPlanner(reminder.kind, reminder.preset) });
}

function nextText(reminder) {
  if (!reminder.enabled) return "Off";
  return reminder.next_due_at ? `Next ${when(reminder.next_due_at)}` : "Nothing more to come";
}

/** A name for each reminder's switch that no other switch on the screen has. */
export function switchNames(reminders) {
  const seen = new Map();
  return new Map(reminders.map((reminder) => {
    let name = reminder.title;
    if (seen.has(name)) name = `${reminder.title}, ${scheduleText(reminder)}`;
    let count = 2;
    const base = name;
    while (seen.has(name)) name = `${base} (${count++})`;
    seen.set(name, true);
    return [reminder.id, name];
  }));
}

function onOffSwitch(reminder, name, refresh) {
  const toggle = h("input", {
    type: "checkbox", role: "switch", checked: reminder.enabled, "aria-label": name,
    onchange: () => busy(toggle, async () => {
      await patch(`/api/reminders/${reminder.id}`, { enabled: toggle.checked });
      toast(toggle.checked ? `${reminder.title}: on.` : `${reminder.title}: off.`);
      refresh();
    }, (error) => { toggle.checked = !toggle.checked; toast(error.message); }),
  });
  return h("label", { class: "switch" }, toggle, h("span", { "aria-hidden": "true" }, reminder.enabled ? "On" : "Off"));
}

function reminderRow(reminder, name, note, refresh) {
  const open = h("button", {
    type: "button", class: "row-open", "aria-haspopup": "dialog",
    onclick: () => openSheet(reminder, refresh, open),
  },
  h("span", { class: "row-title" }, reminder.title),
  h("span", { class: "row-when" }, scheduleText(reminder)),
  h("span", { class: "row-next" }, nextText(reminder)));
  return h("li", { class: "reminder-row" },
    h("div", { class: "row-main" }, open, onOffSwitch(reminder, name, refresh)), note);
}

/** The schedule part of the edit form, or a sentence when this kind of schedule is fixed here. */
function scheduleFields(schedule) {
  if (schedule.type === "daily") {
    return [
      field("Time", h("input", { type: "time", name: "time", value: schedule.time, required: true })),
      dayPicker("Days", "days", schedule.days || [0, 1, 2, 3, 4, 5, 6]),
    ];
  }
  if (schedule.type === "interval") {
    return field("Minutes between", h("input", {
      type: "number", name: "every_minutes", value: schedule.every_minutes, min: 10, max: 480,
      inputmode: "numeric",
    }), "Between 10 and 480, during your work hours.");
  }
  return null;
}

function changedSchedule(schedule, form, data) {
  if (schedule.type === "daily") {
    return { ...schedule, time: data.get("time"), days: checkedDays(form, "days") };
  }
  if (schedule.type === "interval") {
    return { ...schedule, every_minutes: Number(data.get("every_minutes")) };
  }
  return undefined;
}

/** Put a removed reminder back as it was (a new id; its history stays with the old one). */
async function recreate(reminder, refresh) {
  await post("/api/reminders", {
    kind: reminder.kind, title: reminder.title, schedule: reminder.schedule, enabled: reminder.enabled,
  });
  toast(`${reminder.title} is back.`);
  refresh();
}

function snoozePart(reminder, close, refresh) {
  if (!reminder.snooze_offered) return null;
  const choice = h("select", { name: "minutes" },
    SNOOZE_CHOICES.map(([value, text]) => h("option", { value }, text)));
  const button = h("button", {
    type: "button", class: "secondary",
    onclick: () => busy(button, async () => {
      const answer = await post(`/api/reminders/${reminder.id}/snooze`, { minutes: Number(choice.value) });
      close();
      toast(`Snoozed until ${when(answer.reminder?.snoozed_until)}.`);
      refresh();
    }),
  }, "Snooze");
  return h("div", { class: "sheet-part" },
    h("h3", {}, "It's due about now"),
    field("Snooze for", choice), button);
}

function openSheet(reminder, refresh, opener) {
  const headingId = uid("sheet");
  const sheet = h("dialog", { class: "sheet", "aria-labelledby": headingId });
  const close = () => sheet.close();
  sheet.addEventListener("close", () => { sheet.remove(); opener?.focus(); });
  const schedule = reminder.schedule || {};
  const form = h("form", { novalidate: true },
    field("Name", h("input", { name: "title", value: reminder.title, maxlength: 120, autocomplete: "off" })),
    scheduleFields(schedule),
    schedule.type === "daily" || schedule.type === "interval"
      ? null : h("p", { class: "muted" }, scheduleText(reminder)),
    h("div", { class: "row" }, h("button", { type: "submit" }, "Save")));
  onSubmit(form, async (data) => {
    const body = { title: data.get("title") };
    const next = changedSchedule(schedule, form, data);
    if (next) body.schedule = next;
    await patch(`/api/reminders/${reminder.id}`, body);
    close();
    toast("Saved.");
    refresh();
  });
  const remove = h("button", {
    type: "button", class: "danger",
    onclick: () => busy(remove, async () => {
      await del(`/api/reminders/${reminder.id}`);
      close();
      toast("Removed", { label: "Undo", run: () => recreate(reminder, refresh) });
      refresh();
    }),
  }, "Remove");
  sheet.append(...[
    h("div", { class: "row spread sheet-top" },
      h("h2", { id: headingId, class: "wrap" }, reminder.title),
      h("button", { type: "button", class: "quiet", onclick: close }, "Close")),
    h("p", { class: "muted" }, nextText(reminder)),
    form,
    snoozePart(reminder, close, refresh),
    h("div", { class: "sheet-part" }, remove),
  ].filter(Boolean));
  document.body.append(sheet);
  sheet.showModal();
}

/** What the server holds back for a reminder and why, so nothing is silently dropped. */
function heldNotes(held = []) {
  if (!held.length) return null;
  return h("ul", { class: "held muted" },
    held.map((item) => h("li", {}, `Held ${when(item.at)}: ${item.reason}.`)));
}

function ownReminderForm(refresh) {
  const form = h("form", { novalidate: true },
    field("What it says", h("input", { name: "title", maxlength: 120, required: true, autocomplete: "off" }),
      "For example: Drink some water, or Call home."),
    field("Time", h("input", { type: "time", name: "time", value: "18:00", required: true })),
    dayPicker("Days", "days", [0, 1, 2, 3, 4, 5, 6]),
    h("button", { type: "submit" }, "Add reminder"));
  return onSubmit(form, async (data) => {
    await post("/api/reminders", {
      kind: "custom", title: String(data.get("title") || "").trim(),
      schedule: { type: "daily", time: data.get("time"), days: checkedDays(form, "days") },
    });
    form.reset();
    toast("Added.");
    refresh();
  });
}

function checkinForm(refresh) {
  const form = h("form", { novalidate: true },
    field("Time", h("input", { type: "time", name: "time", value: "18:00", required: true })),
    // A check-in is about the person, not the job: every day unless they choose fewer.
    dayPicker("Days", "days", [0, 1, 2, 3, 4, 5, 6]),
    h("button", { type: "submit" }, "Add check-in reminder"));
  return onSubmit(form, async (data) => {
    await post("/api/reminders", {
      kind: "checkin", title: "A quick check-in",
      schedule: { type: "daily", time: data.get("time"), days: checkedDays(form, "days") },
    });
    toast("Added.");
    refresh();
  });
}

function testCard() {
  const status = h("p", { role: "status", class: "muted" });
  const button = h("button", {
    type: "button", class: "secondary",
    onclick: () => busy(button, async () => {
      const result = await sendTest();
      status.textContent = result.sent
        ? `Sent to ${result.sent} ${result.sent === 1 ? "device" : "devices"}.`
        : "No device took it. Turn on notifications in Settings.";
    }),
  }, "Send a test notification");
  return card("Test", h("p", {}, "Check that notifications reach you."), button, status);
}

async function listContent(refresh) {
  const [listed, holding] = await Promise.all([
    get("/api/reminders"),
    // A detail under each reminder, from one plan: without it the list still says the rest.
    inBackground(get("/api/reminders/held?count=3")),
  ]);
  const reminders = listed.reminders || [];
  const held = new Map((holding?.reminders || []).map((item) => [item.id, item.held]));
  const names = switchNames(reminders);
  return reminders.length
    ? h("ul", { class: "list reminders" },
      reminders.map((r) => reminderRow(r, names.get(r.id), heldNotes(held.get(r.id)), refresh)))
    : h("p", {}, "No reminders yet. Add one of your own or a program below.");
}

/** Render the reminders screen; changes refresh only the list, so the page stays where it was. */
export async function render(ctx) {
  const list = h("div");
  const refresh = async () => {
    try { list.replaceChildren(await listContent(refresh)); } catch (error) { toast(error.message); }
  };
  const [content, presets] = await Promise.all([
    listContent(refresh), getOptional("/api/habits/presets").catch((error) => error),
  ]);
  list.replaceChildren(content);
  mount(
    h("h1", {}, "Reminders"),
    ctx.user?.schedule_mode === "shifts"
      ? h("p", {}, "Reminders follow your shifts. ", h("a", { href: "#/shifts" }, "Your shifts"))
      : h("p", {}, "Work shifts? ", h("a", { href: "#/shifts" }, "Set up shifts")),
    card("Your reminders", h("p", { class: "muted" }, "Tap a reminder to change, snooze or remove it."), list),
    card("Add your own reminder", ownReminderForm(refresh)),
    h("details", { class: "card" }, h("summary", {}, "Add a check-in reminder"), checkinForm(refresh)),
    testCard(),
    presets instanceof Error ? failedCard("Programs", presets) : null,
    presets?.presets?.length ? h("h2", {}, "Programs") : null,
    (presets instanceof Error ? [] : presets?.presets || []).map((preset) => presetCard(preset, ctx, refresh)),
  );
}
