// Onboarding in four short steps: account, your hours, starter reminders, notifications.

import { getOptional, patch, post } from "../api.js";
import { presetCard } from "../presets.js";
import { rolePicker } from "../roles.js";
import {
  DENIED_HELP, IOS_STEPS, UNSUPPORTED_HELP, currentEndpoint, enableNotifications,
  explainPushError, notificationState, sendTest,
} from "../push.js";
import { card, checkedDays, dayPicker, field, h, mount, onSubmit } from "../ui.js";
import { adaptSignUp, showRecoveryCode } from "./account.js";

const STEPS = ["account", "hours", "work", "reminders", "notifications"];

/** The browser's IANA time zone, e.g. "Europe/Berlin". */
export function detectedTimeZone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; } catch { return "UTC"; }
}

function progress(step) {
  const index = STEPS.indexOf(step);
  return h("div", { class: "row spread" },
    h("p", { class: "progress" }, `Step ${index + 1} of ${STEPS.length}`),
    h("div", { class: "dots", "aria-hidden": "true" },
      STEPS.map((_, i) => h("span", { class: i <= index ? "on" : "" }))));
}

function timeZoneInput(value) {
  const list = h("datalist", { id: "zones" },
    (Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone") : []).map((z) => h("option", { value: z })));
  const input = h("input", { name: "timezone", value, list: "zones", autocomplete: "off", required: true });
  return [field("Time zone", input, "Found from this device. Reminders follow it."), list];
}

/** The operator's privacy notice, when they set one, folded above "Create account". */
async function addPrivacyNotice(form) {
  const answer = await getOptional("/api/privacy-notice").catch((error) => error);
  if (answer instanceof Error) {
    form.querySelector("button[type=submit]").before(h("p", { class: "hint", role: "status" },
      "This server's privacy notice didn't load. Reload to read it before you sign up."));
    return;
  }
  if (!answer?.notice) return;
  const kept = answer.retention_days
    ? h("p", {}, `Check-ins, notes and hard moments are deleted after ${answer.retention_days} days.`) : null;
  const notice = h("details", { class: "notice" }, h("summary", {}, "How this server treats your data"),
    ...answer.notice.split(/\n\s*\n/).map((paragraph) => h("p", {}, paragraph)), kept);
  form.querySelector("button[type=submit]").before(notice);
}

function accountStep(ctx) {
  const form = onSubmit(h("form", { novalidate: true },
    field("Email", h("input", { type: "email", name: "email", autocomplete: "email", required: true })),
    field("Password", h("input", {
      type: "password", name: "password", autocomplete: "new-password", required: true, minlength: 10,
    }), "At least 10 characters. A short sentence works well."),
    timeZoneInput(detectedTimeZone()),
    h("button", { type: "submit", class: "wide" }, "Create account")), async (data) => {
    const answer = await post("/api/auth/register", {
      email: data.get("email"), password: data.get("password"), timezone: data.get("timezone").trim(),
      invite_code: data.get("invite_code") || undefined,
    });
    await ctx.sessionChanged();
    showRecoveryCode(answer.recovery_code, () => ctx.go("start/hours"));
  });
  adaptSignUp(form);
  addPrivacyNotice(form);
  return [h("h1", {}, "Let's set you up"),
    h("p", {}, "It takes about two minutes. You can change everything later."),
    card(null, form),
    h("p", {}, h("a", { href: "#/welcome" }, "I already have an account"))];
}

/** The work and quiet hours form, shared with settings. */
export function hoursForm(user, submitLabel, after) {
  const work = user.work_hours || { days: [0, 1, 2, 3, 4], start: "09:00", end: "17:00" };
  const quiet = user.quiet_hours || { start: "22:00", end: "07:00" };
  const form = h("form", { novalidate: true },
    dayPicker("Days you work", "days", work.days),
    h("div", { class: "pair" },
      field("Work starts", h("input", { type: "time", name: "start", value: work.start, required: true })),
      field("Work ends", h("input", { type: "time", name: "end", value: work.end, required: true }))),
    h("p", { class: "hint" }, "Night shifts are fine: an end before the start means it runs past midnight."),
    h("h3", {}, "Quiet hours"),
    h("p", { class: "hint" }, "Tend never sends anything in these hours."),
    h("div", { class: "pair" },
      field("From", h("input", { type: "time", name: "quiet_start", value: quiet.start, required: true })),
      field("Until", h("input", { type: "time", name: "quiet_end", value: quiet.end, required: true }))),
    h("button", { type: "submit", class: "wide" }, submitLabel));
  return onSubmit(form, async (data) => {
    const answer = await patch("/api/me", {
      work_hours: { days: checkedDays(form, "days"), start: data.get("start"), end: data.get("end") },
      quiet_hours: { start: data.get("quiet_start"), end: data.get("quiet_end") },
    });
    await after(answer.user);
  });
}

function hoursStep(ctx) {
  return [h("h1", {}, "Your days"),
    h("p", {}, "So reminders fit around your work, and never wake you."),
    card(null, hoursForm(ctx.user, "Next", async (user) => {
      ctx.user = user;
      ctx.go("start/work");
    }))];
}

/** One tap: the person's work, so questions use its words. Skippable. */
function workStep(ctx) {
  return [h("h1", {}, "What work do you do?"),
    h("p", {}, "So questions speak of patients, callers or sources rather than \u201cthe people you help\u201d."),
    card(null, rolePicker(ctx.user.role, async (user) => {
      ctx.user = user;
      ctx.go("start/reminders");
    })),
    h("a", { class: "button wide secondary", href: "#/start/reminders" }, "Skip")];
}

async function remindersStep(ctx) {
  const answer = await getOptional("/api/habits/presets");
  const presets = answer?.presets || [];
  const next = h("a", { class: "button wide", href: "#/start/notifications" }, "Next");
  const body = presets.length
    ? presets.map((preset) => presetCard(preset, ctx))
    : [card(null, h("p", {}, "Starter reminders aren't available here yet. " +
      "You can add reminders any time from the Reminders tab."))];
  return [h("h1", {}, "Starter reminders"),
    h("p", {}, "Pick any that sound helpful. Each one is an ordinary reminder you can change or switch off."),
    ...body, next];
}

async function notificationsStep() {
  const permission = notificationState();
  // Permission alone is not enough: this device also needs a subscription on the server.
  const state = permission === "granted" && !(await currentEndpoint()) ? "ask" : permission;
  const status = h("p", { role: "status" });
  const finish = h("a", { class: "button wide secondary", href: "#/today" },
    state === "granted" ? "Done" : "Skip for now");
  const testButton = h("button", {
    type: "button", class: "secondary", hidden: state !== "granted",
    onclick: async () => {
      try {
        const result = await sendTest();
        status.textContent = result.sent ? "Sent. It should appear in a moment." :
          "We couldn't reach this device. Try turning notifications on again.";
      } catch (error) { status.textContent = error.message; }
    },
  }, "Send a test notification");
  const parts = [h("h1", {}, "Notifications"),
    h("p", {}, "Check-ins and reminders arrive as notifications. You can answer most with one tap.")];
  if (state === "ios-install") {
    parts.push(card("First, add Tend to your Home Screen",
      h("p", {}, "On iPhone and iPad, notifications work once Tend is on your Home Screen."),
      h("ol", { class: "steps" }, IOS_STEPS.map((s) => h("li", {}, s)))));
  } else if (state === "unsupported") {
    parts.push(card(null, h("p", {}, UNSUPPORTED_HELP)));
  } else if (state === "denied") {
    parts.push(card(null, h("p", {}, DENIED_HELP)));
  } else {
    const enable = h("button", {
      type: "button", class: "wide", hidden: state === "granted",
      onclick: async () => {
        enable.disabled = true;
        try {
          const result = await enableNotifications();
          if (result === "granted") {
            enable.hidden = true;
            testButton.hidden = false;
            finish.textContent = "Done";
            status.textContent = "Notifications are on for this device.";
          } else if (result === "denied") {
            status.textContent = DENIED_HELP;
          } else {
            status.textContent = "No problem. You can turn them on later in Settings.";
          }
        } catch (error) {
          status.textContent = explainPushError(error);
        } finally { enable.disabled = false; }
      },
    }, "Turn on notifications");
    parts.push(card(null, enable, testButton, status));
  }
  parts.push(finish);
  return parts;
}

/** Render the onboarding step named in the address (#/start/<step>). */
export async function render(ctx, args) {
  let step = STEPS.includes(args[0]) ? args[0] : "account";
  if (step === "account" && ctx.user) step = "hours";
  if (step !== "account" && !ctx.user) step = "account";
  const build = { account: accountStep, hours: hoursStep, work: workStep, reminders: remindersStep,
    notifications: notificationsStep }[step];
  mount(progress(step), ...(await build(ctx)));
}
