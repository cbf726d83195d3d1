// Reminders: the list with on/off, time, snooze and remove; a test notification;
// a check-in reminder of your own; and the starter programs.

import { del, get, getOptional, patch, post } from "../api.js";
import { presetCard } from "../presets.js";
import { sendTest } from "../push.js";
import { describeSchedule, isMonthlyPlanner } from "../schedule.js";
import {
  busy, card, checkedDays, dayPicker, field, h, mount, onSubmit, toast, uid, when,
} from "../ui.js";

const KIND_NAMES = {
  checkin: "Check-in", sleep: "Sleep", break: "Break", boundary: "End of the day",
  timeoff: "Time off", followup: "Follow-up",
};

function editForm(reminder, refresh) {
  const schedule = reminder.schedule || {};
  let control;
  if (schedule.type === "daily") {
    control = field("Time", h("input", { type: "time", name: "time", value: schedule.time, required: true }));
  } else if (schedule.type === "interval") {
    control = field("Minutes between", h("input", {
      type: "number", name: "every_minutes", value: schedule.every_minutes, min: 10, max: 480,
      inputmode: "numeric",
    }));
  } else {
    return null;
  }
  const form = h("form", { class: "row", novalidate: true }, control,
    h("button", { type: "submit", class: "secondary" }, "Save"));
  return onSubmit(form, async (data) => {
    const changed = schedule.type === "daily" ? { time: data.get("time") }
      : { every_minutes: Number(data.get("every_minutes")) };
    await patch(`/api/reminders/${reminder.id}`, { schedule: { ...schedule, ...changed } });
    toast("Saved.");
    refresh();
  });
}

function reminderItem(reminder, refresh) {
  const switchId = uid("on");
  const toggle = h("input", {
    type: "checkbox", role: "switch", id: switchId, checked: reminder.enabled,
    onchange: () => busy(toggle, async () => {
      await patch(`/api/reminders/${reminder.id}`, { enabled: toggle.checked });
      toast(toggle.checked ? "Switched on." : "Switched off.");
      refresh();
    }, (error) => { toggle.checked = !toggle.checked; toast(error.message); }),
  });
  const snoozeSelect = h("select", { name: "minutes", "aria-label": `Snooze ${reminder.title} for` },
    [[10, "10 minutes"], [30, "30 minutes"], [60, "1 hour"], [180, "3 hours"]]
      .map(([value, text]) => h("option", { value }, text)));
  const snooze = h("button", {
    type: "button", class: "secondary",
    onclick: () => busy(snooze, async () => {
      const answer = await post(`/api/reminders/${reminder.id}/snooze`, { minutes: Number(snoozeSelect.value) });
      toast(`Snoozed until ${when(answer.reminder?.snoozed_until || answer.reminder?.next_due_at)}.`);
      refresh();
    }),
  }, "Snooze");
  const remove = h("button", {
    type: "button", class: "quiet", "aria-label": `Remove ${reminder.title}`,
    onclick: () => busy(remove, async () => {
      await del(`/api/reminders/${reminder.id}`);
      toast("Removed.");
      refresh();
    }),
  }, "Remove");
  let next = "Off";
  if (reminder.enabled) {
    next = reminder.next_due_at ? `Next ${when(reminder.next_due_at)}` : "Nothing more to come";
  }
  return h("li", { class: "stack" },
    h("div", { class: "row spread" },
      h("div", {}, h("h3", {}, reminder.title),
        h("p", { class: "muted" }, `${KIND_NAMES[reminder.kind] || reminder.kind} \u00b7 ${describeSchedule(reminder.schedule, { monthly: isMonthlyPlanner(reminder.kind, reminder.preset) })}`),
        h("p", {}, next)),
      h("label", { class: "switch", for: switchId }, toggle, "On")),
    editForm(reminder, refresh),
    // Snoozing needs a next time to move.
    h("div", { class: "row" }, reminder.enabled && reminder.next_due_at ? [snoozeSelect, snooze] : null, remove));
}

function newCheckinForm(refresh) {
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
  const reminders = (await get("/api/reminders")).reminders || [];
  return reminders.length
    ? h("ul", { class: "list" }, reminders.map((r) => reminderItem(r, refresh)))
    : h("p", {}, "No reminders yet. Add a check-in or a program below.");
}

/** Render the reminders screen; changes refresh only the list, so focus stays near. */
export async function render(ctx) {
  const list = h("div");
  const refresh = async () => {
    try { list.replaceChildren(await listContent(refresh)); } catch (error) { toast(error.message); }
  };
  const [content, presets] = await Promise.all([
    listContent(refresh), getOptional("/api/habits/presets").catch(() => null),
  ]);
  list.replaceChildren(content);
  mount(
    h("h1", {}, "Reminders"),
    card("Your reminders", list),
    testCard(),
    card("Add a check-in reminder", newCheckinForm(refresh)),
    presets?.presets?.length ? h("h2", {}, "Programs") : null,
    (presets?.presets || []).map((preset) => presetCard(preset, ctx, refresh)),
  );
}
