// The lock screen (the PIN the server checks) and the neutral screen "Hide" switches to.

import { get, post } from "../api.js";
import { forgetPeople, refreshPeople } from "../kept.js";
import { passkeysWork, unlockWithPasskey } from "../passkeys.js";
import { busy, field, h, inBackground, mount, onSubmit } from "../ui.js";

/** Hide at once: a neutral screen now, then lock this sign-in when a lock is set. */
export function hide(ctx) {
  forgetPeople();
  location.hash = "#/hidden";
  if (ctx.user) inBackground(post("/api/lock/now").then(() => get("/api/lock")).then((status) => {
    if (status?.locked) ctx.locked = true;
  }));
}

/** The neutral screen: nothing of the person, one way back. */
export async function renderHidden(ctx) {
  document.title = "Tend";
  mount(h("div", { class: "neutral" },
    h("h1", {}, "Tend"),
    h("p", { class: "muted" }, "Take care of yourself."),
    h("button", { type: "button", class: "secondary", onclick: () => ctx.go(ctx.locked ? "lock" : "today") },
      "Back")));
}

/** The button that opens a passkey lock (or says why it can't on this browser). */
function passkeyUnlock(ctx) {
  if (!passkeysWork()) return h("p", {}, "This lock opens with your passkey, which this browser can't use. Sign out and sign in again instead.");
  const status = h("p", { role: "status", class: "muted" });
  const button = h("button", { type: "button", class: "wide", onclick: () => busy(button, async () => {
    await unlockWithPasskey();
    ctx.locked = false;
    await ctx.refreshUser();
    inBackground(refreshPeople());
    ctx.go("today");
  }, (error) => { status.textContent = error.message; }) }, "Unlock with your passkey");
  return h("div", {}, button, status);
}

/** The lock screen: the PIN, help that stays open, and signing out. */
export async function render(ctx) {
  document.title = "Tend \u2013 Locked";
  // Without the lock's details the PIN form still works: it is the way in either way.
  const status = await inBackground(get("/api/lock"));
  const pin = h("input", {
    type: "password", name: "pin", inputmode: "numeric", pattern: "[0-9]*", maxlength: 8,
    autocomplete: "off", class: "pin-input", required: true,
  });
  const form = onSubmit(h("form", { novalidate: true },
    field("Your PIN", pin),
    h("button", { type: "submit" }, "Unlock")), async (data) => {
    await post("/api/lock/unlock", { pin: data.get("pin") });
    ctx.locked = false;
    await ctx.refreshUser();
    inBackground(refreshPeople());
    ctx.go("today");
  });
  const signOut = h("button", { type: "button", class: "secondary", onclick: async () => {
    await inBackground(post("/api/auth/logout")); // signed out on this device regardless
    ctx.locked = false;
    await ctx.sessionChanged();
    ctx.go("welcome");
  } }, "Sign out");
  mount(h("h1", {}, "Tend is locked"),
    h("p", {}, "Your answers and notes stay private until you unlock."),
    status?.lock?.passkey ? passkeyUnlock(ctx) : form,
    h("p", {}, h("a", { href: "#/now" }, "Need a moment? Exercises and crisis lines stay open.")),
    signOut);
  if (!status?.lock?.passkey) pin.focus();
}
