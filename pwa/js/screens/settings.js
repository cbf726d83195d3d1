// Settings in five groups: you (account, work, country), your hours (time zone, hours, time
// off), notifications (pause, devices), support, and privacy (your data).

import { del, get, patch, post } from "../api.js";
import { deviceItem } from "../devices.js";
import { healed } from "../heal.js";
import {
  DENIED_HELP, IOS_STEPS, UNSUPPORTED_HELP, currentEndpoint, enableNotifications,
  explainPushError, notificationState,
} from "../push.js";
import {
  busy, calendarDay, card, failedCard, field, h, inBackground, isoDate, isoWithOffset, mount, onSubmit, removeButton, toast,
  when,
} from "../ui.js";
import { roleCard } from "../roles.js";
import { yourAccountCard } from "./account.js";
import { detectedTimeZone, hoursForm } from "./onboarding.js";
import { countryCard } from "../country.js";
import { passkeyCard } from "../passkeys.js";
import { privacyCard } from "../privacy.js";

/** When "pause until tomorrow" ends: tomorrow at the end of quiet hours (device time). */
export function tomorrowMorning(user, now = new Date()) {
  const [hours, minutes] = (user.quiet_hours?.end || "07:00").split(":").map(Number);
  const date = new Date(now);
  date.setDate(date.getDate() + 1);
  date.setHours(hours, minutes, 0, 0);
  return date;
}

function pauseCard(ctx, refresh) {
  const user = ctx.user;
  const paused = user.paused_until && new Date(user.paused_until) > new Date();
  const setPause = async (until, message) => {
    ctx.user = (await patch("/api/me", { paused_until: until ? isoWithOffset(until) : null })).user;
    toast(message);
    refresh();
  };
  const hours = h("select", { "aria-label": "Pause for how long" },
    [[1, "1 hour"], [2, "2 hours"], [4, "4 hours"], [8, "8 hours"], [24, "24 hours"]]
      .map(([value, text]) => h("option", { value }, text)));
  const tomorrow = h("button", { type: "button", class: "secondary", onclick: () => busy(tomorrow,
    () => setPause(tomorrowMorning(user), "Paused until tomorrow.")) }, "Pause until tomorrow");
  const forHours = h("button", { type: "button", class: "secondary", onclick: () => busy(forHours,
    () => setPause(new Date(Date.now() + Number(hours.value) * 3600e3), "Paused.")) }, "Pause");
  const resume = h("button", { type: "button", onclick: () => busy(resume,
    () => setPause(null, "Reminders are back on.")) }, "Resume now");
  return card("Pause",
    h("p", {}, paused ? `Paused until ${when(user.paused_until)}.` : "Need a break from notifications?"),
    paused ? resume : null,
    h("div", { class: "row" }, tomorrow),
    h("div", { class: "row" }, hours, forHours));
}

async function devicesCard(refresh) {
  await healed(); // a subscription being repaired right now shows up in the list
  const [answer, mine] = await Promise.all([get("/api/push/subscriptions"), currentEndpoint()]);
  const devices = answer.subscriptions;
  const state = notificationState();
  const status = h("p", { role: "status", class: "muted" });
  let action = null;
  if (state === "ios-install") {
    action = [h("p", {}, "To get notifications on iPhone or iPad, add Tend to your Home Screen:"),
      h("ol", { class: "steps" }, IOS_STEPS.map((s) => h("li", {}, s)))];
  } else if (state === "denied") {
    action = h("p", {}, DENIED_HELP);
  } else if (state === "unsupported") {
    action = h("p", {}, UNSUPPORTED_HELP);
  } else if (!devices.some((d) => d.endpoint === mine)) {
    const enable = h("button", { type: "button", onclick: () => busy(enable, async () => {
      const result = await enableNotifications();
      if (result === "denied") status.textContent = DENIED_HELP;
      else status.textContent = result === "granted" ? "This device is on." : "Notifications stay off for now.";
      if (result === "granted") refresh();
    }, (error) => { status.textContent = explainPushError(error); }) }, "Turn on notifications here");
    action = enable;
  }
  const item = (device) => deviceItem(device, mine, refresh);
  return card("Devices",
    devices.length ? h("ul", { class: "list" }, devices.map(item)) : h("p", {}, "No devices get notifications yet."),
    action, status);
}

function hoursCard(ctx, refresh) {
  const budget = onSubmit(h("form", { novalidate: true },
    field("Time zone", h("input", { name: "timezone", value: ctx.user.timezone, autocomplete: "off" }),
      `This device says ${detectedTimeZone()}.`),
    field("Most notifications a day", h("input", {
      type: "number", name: "daily_push_budget", min: 1, max: 30, inputmode: "numeric",
      value: ctx.user.daily_push_budget,
    })),
    h("button", { type: "submit", class: "secondary" }, "Save")), async (data) => {
    ctx.user = (await patch("/api/me", {
      timezone: data.get("timezone").trim(), daily_push_budget: Number(data.get("daily_push_budget")),
    })).user;
    toast("Saved.");
  });
  return card("Your hours", hoursForm(ctx.user, "Save hours", async (user) => {
    ctx.user = user;
    toast("Saved.");
    refresh();
  }), budget,
  h("p", {}, ctx.user.schedule_mode === "shifts" ? "Reminders follow your shifts. " : "Work shifts? ",
    h("a", { href: "#/shifts" }, ctx.user.schedule_mode === "shifts" ? "Your shifts" : "Set up shifts")));
}

async function timeOffCard(refresh) {
  const answer = await get("/api/timeoff");
  const today = isoDate(new Date());
  const form = onSubmit(h("form", { novalidate: true },
    h("div", { class: "pair" },
      field("First day", h("input", { type: "date", name: "start", value: today, required: true })),
      field("Last day", h("input", { type: "date", name: "end", value: today, required: true }))),
    h("fieldset", {}, h("legend", {}, "This time off is"),
      h("label", { class: "check" }, h("input", { type: "radio", name: "kind", value: "taken", checked: true }), "Taken"),
      h("label", { class: "check" }, h("input", { type: "radio", name: "kind", value: "planned" }), "Planned")),
    h("button", { type: "submit", class: "secondary" }, "Add time off")), async (data) => {
    await post("/api/timeoff", { start: data.get("start"), end: data.get("end"), kind: data.get("kind") });
    toast("Added.");
    refresh();
  });
  const item = (entry) => {
    const remove = removeButton(`time off from ${entry.start}`, `/api/timeoff/${entry.id}`, refresh);
    return h("li", { class: "row spread" },
      h("span", {}, `${entry.kind === "planned" ? "Planned" : "Taken"}: ${calendarDay(entry.start)} to ${calendarDay(entry.end)}`), remove);
  };
  const entries = answer.time_off;
  return h("section", { class: "card", id: "timeoff" }, h("h2", {}, "Time off"),
    h("p", { class: "hint" }, "Work reminders rest while you're away."),
    entries.length ? h("ul", { class: "list" }, entries.map(item)) : null, form);
}

async function supportCard(refresh) {
  const [people, activities] = await Promise.all([
    get("/api/support/people"),
    get("/api/support/activities"),
  ]);
  const personForm = onSubmit(h("form", { novalidate: true },
    field("Name", h("input", { name: "name", required: true, maxlength: 80 })),
    field("Phone or how to reach them", h("input", { name: "contact", maxlength: 120 })),
    h("button", { type: "submit", class: "secondary" }, "Add person")), async (data) => {
    const contact = data.get("contact").trim();
    await post("/api/support/people", { name: data.get("name").trim(), ...(contact ? { contact } : {}) });
    refresh();
  });
  const activityForm = onSubmit(h("form", { novalidate: true },
    field("Something that restores you", h("input", { name: "text", required: true, maxlength: 120 }),
      "A walk, music, calling a friend\u2026"),
    h("button", { type: "submit", class: "secondary" }, "Add")), async (data) => {
    await post("/api/support/activities", { text: data.get("text").trim() });
    refresh();
  });
  const peopleList = people.people;
  const activityList = activities.activities;
  return h("section", { class: "card", id: "support" }, h("h2", {}, "Support"),
    h("p", { class: "hint" }, "Shown to you when things look heavy. Only you see them."),
    h("h3", {}, "People who support you"),
    peopleList.length ? h("ul", { class: "list" }, peopleList.map((p) => h("li", { class: "row spread" },
      h("span", {}, h("strong", {}, p.name), p.contact ? ` \u2013 ${p.contact}` : ""),
      removeButton(p.name, `/api/support/people/${p.id}`, refresh)))) : null,
    personForm,
    h("h3", {}, "What restores you"),
    activityList.length ? h("ul", { class: "list" }, activityList.map((a) => h("li", { class: "row spread" },
      h("span", {}, a.text), removeButton(a.text, `/api/support/activities/${a.id}`, refresh)))) : null,
    activityForm);
}

function dataCard() {
  return card("Your data",
    h("p", {}, "Download everything Tend keeps about you."),
    h("div", { class: "row" },
      h("a", { class: "button secondary", href: "/api/export", download: "tend-export.json" }, "Export all (JSON)"),
      h("a", { class: "button secondary", href: "/api/export?format=csv", download: "tend-checkins.csv" }, "Check-ins (CSV)")));
}

/** Sign out here, and delete the account (folded: it is rarely wanted and final). */
function accountParts(ctx) {
  const signOut = h("button", { type: "button", class: "secondary", onclick: () => busy(signOut, async () => {
    await post("/api/auth/logout");
    await ctx.sessionChanged();
    ctx.go("welcome");
  }) }, "Sign out");
  const remove = onSubmit(h("form", { novalidate: true },
    h("p", {}, "This removes your account and every answer, reminder and note, for good."),
    field("Password, to confirm", h("input", { type: "password", name: "password", autocomplete: "current-password", required: true })),
    h("button", { type: "submit", class: "danger" }, "Delete my account")), async (data) => {
    await del("/api/me", { password: data.get("password") });
    await ctx.sessionChanged();
    toast("Your account is deleted. Take care.");
    ctx.go("welcome");
  });
  return {
    top: [h("p", { class: "wrap" }, "Signed in as ", h("strong", {}, ctx.user.email), "."), signOut],
    end: h("details", { class: "adjust" }, h("summary", {}, "Delete account"), remove),
  };
}

/** "Your account": who is signed in, password, other sessions, recovery code, sign out, delete. */
function accountCard(ctx) {
  const { top, end } = accountParts(ctx);
  const card = yourAccountCard(ctx);
  card.querySelector("h2").after(...top);
  card.append(end);
  return card;
}

const DISMISSED_ZONE = "tend.zone_kept";

/** When this device's time zone is not the saved one (travel, a rota abroad): offer to switch. */
function zoneOffer(ctx, refresh) {
  const here = detectedTimeZone();
  const saved = ctx.user.timezone;
  if (!here || here === saved || sessionStorage.getItem(DISMISSED_ZONE) === `${saved}>${here}`) return null;
  const use = h("button", { type: "button", onclick: () => busy(use, async () => {
    ctx.user = (await patch("/api/me", { timezone: here })).user;
    toast(`Tend now uses ${here} time.`);
    refresh();
  }) }, `Use ${here}`);
  const keep = h("button", { type: "button", class: "secondary", onclick: () => {
    sessionStorage.setItem(DISMISSED_ZONE, `${saved}>${here}`);
    refresh();
  } }, `Keep ${saved}`);
  return h("section", { class: "card warm", id: "zone" }, h("h2", {}, "Different time zone?"),
    h("p", { class: "wrap" }, `This device is on ${here} time; Tend times your reminders in ${saved}. ` +
      "Switch if you have moved or are working abroad for a while."),
    h("div", { class: "row" }, use, keep));
}

// Ids carry "group-" so they never meet a card's own id (#support, #privacy).
const GROUPS = [
  ["group-you", "You"], ["group-hours", "Your hours"], ["group-notifications", "Notifications"],
  ["group-support", "Support"], ["group-privacy", "Privacy"],
];

/** A titled group of cards. */
function group(id, ...cards) {
  const title = GROUPS.find(([key]) => key === id)[1];
  return h("div", { class: "group", id, role: "region", "aria-labelledby": `${id}-title` },
    h("h2", { class: "group-title", id: `${id}-title` }, title), ...cards);
}

/** Links to each group, so a long page is one tap from any part. */
function groupLinks() {
  return h("nav", { class: "group-links", "aria-label": "Settings groups" },
    h("ul", {}, GROUPS.map(([id, title]) => h("li", {}, h("a", { href: `#/settings/${id}` }, title)))));
}

/** Render settings; #/settings/<section> scrolls to that section; changes keep the scroll. */
export async function render(ctx, args = []) {
  const refresh = async () => {
    const top = window.scrollY;
    await render(ctx, []);
    window.scrollTo(0, top);
  };
  const [devices, timeoff, support, country, privacy, passkeys] = await Promise.all([
    devicesCard(refresh).catch((error) => failedCard("Your devices", error)),
    timeOffCard(refresh).catch((error) => failedCard("Time off", error)),
    supportCard(refresh).catch((error) => failedCard("Support", error)),
    countryCard(ctx),
    privacyCard(ctx, refresh).catch((error) => failedCard("Privacy", error)),
    passkeyCard(refresh).catch((error) => failedCard("Passkeys", error)),
  ]);
  const version = h("p", { class: "muted" });
  mount(h("h1", {}, "Settings"), zoneOffer(ctx, refresh), groupLinks(),
    group("group-you", accountCard(ctx), roleCard(ctx), country),
    group("group-hours", hoursCard(ctx, refresh), timeoff),
    group("group-notifications", pauseCard(ctx, refresh), devices),
    group("group-support", support),
    group("group-privacy", privacy, passkeys, dataCard()),
    version);
  // The running version, for telling whoever runs this Tend what you see; never in the way.
  inBackground(fetch("/readyz").then((r) => r.json()).then((ready) => {
    if (ready.version) version.textContent = `Tend ${ready.version}`;
  }));
  if (args[0]) document.getElementById(args[0])?.scrollIntoView();
}
