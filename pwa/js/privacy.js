// Privacy in Settings: discreet notifications, and the app lock (a PIN and how soon).

import { del, get, patch, request } from "./api.js";
import { busy, field, h, onSubmit, toast } from "./ui.js";
import { passkeysWork } from "./passkeys.js";

/** Save one setting on the account and hand the updated user back. */
async function saveSetting(ctx, values) {
  ctx.user = (await patch("/api/me", values)).user;
  toast("Saved.");
}

/** The switch for neutral words on the lock screen. */
function discreetSwitch(ctx) {
  const input = h("input", {
    type: "checkbox", role: "switch", id: "discreet", checked: ctx.user.discreet_notifications,
    onchange: () => saveSetting(ctx, { discreet_notifications: input.checked })
      .catch((error) => { input.checked = !input.checked; toast(error.message); }),
  });
  return h("div", {},
    h("label", { class: "check", for: "discreet" }, input, "Discreet notifications"),
    h("p", { class: "muted" },
      "Notifications only say \u201cTend \u2014 a moment for you\u201d. The question shows once you open it."));
}

const AWAY_CHOICES = [[1, "1 minute"], [5, "5 minutes"], [15, "15 minutes"], [60, "1 hour"], ["", "Only when I hide it"]];

/** How long away before the lock asks again. */
function awaySelect(ctx) {
  const select = h("select", { id: "lock-after", onchange: () => saveSetting(ctx, {
    lock_after_minutes: select.value ? Number(select.value) : null,
  }).catch((error) => toast(error.message)) },
  AWAY_CHOICES.map(([value, label]) => h("option", {
    value, selected: (ctx.user.lock_after_minutes ?? "") === value,
  }, label)));
  return field("Lock after this long away", select);
}

/** Set a PIN lock, or change how soon it locks and remove it. */
async function lockControls(ctx, refresh) {
  const [status, keys] = await Promise.all([get("/api/lock"),
    passkeysWork() ? get("/api/auth/passkeys") : { passkeys: [] }]);
  if (status?.lock) {
    const remove = h("button", { type: "button", class: "secondary", onclick: () => busy(remove, async () => {
      await del("/api/lock");
      toast("The lock is off.");
      refresh();
    }) }, "Remove the lock");
    const asks = status.lock.passkey ? "your passkey" : "your PIN";
    return [h("h3", {}, "App lock"), h("p", {}, `Tend asks for ${asks} when you come back.`), awaySelect(ctx), remove];
  }
  const usePasskey = keys.passkeys.length ? h("button", {
    type: "button", class: "secondary", onclick: () => busy(usePasskey, async () => {
      await request("PUT", "/api/lock", { passkey: true });
      toast("The lock is on. It opens with your passkey.");
      refresh();
    }),
  }, "Lock with your passkey instead") : null;
  const form = onSubmit(h("form", { novalidate: true },
    h("h3", {}, "App lock"),
    h("p", {}, "Ask for a PIN when Tend opens after a while away, or right after “Hide”."),
    field("New PIN (4 to 8 digits)", h("input", {
      type: "password", name: "pin", inputmode: "numeric", pattern: "[0-9]*", maxlength: 8,
      autocomplete: "new-password", class: "pin-input", required: true,
    })),
    h("button", { type: "submit" }, "Set PIN")), async (data) => {
    await request("PUT", "/api/lock", { pin: data.get("pin") });
    toast("The lock is on.");
    refresh();
  });
  return [form, usePasskey];
}

/** The Settings card "Privacy": discreet notifications and the app lock. */
export async function privacyCard(ctx, refresh) {
  return h("section", { class: "card", id: "privacy" }, h("h2", {}, "Privacy"), discreetSwitch(ctx),
    ...(await lockControls(ctx, refresh)));
}
