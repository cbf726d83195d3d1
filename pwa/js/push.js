// Notifications on this device: what the browser can do, asking permission (only ever
// from a button tap), subscribing with the server's VAPID key, and the test push.

import { get, post } from "./api.js";

/** Where the server's id for this browser's device is remembered (see heal.js). */
export const DEVICE_KEY = "tend.device_id";

/** iPhone/iPad, including iPadOS that reports itself as a Mac. */
export function isIOS() {
  return /iPad|iPhone|iPod/.test(navigator.userAgent) ||
    (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
}

/** Opened from the home screen (installed), not in a browser tab. */
export function isStandalone() {
  return navigator.standalone === true || matchMedia("(display-mode: standalone)").matches;
}

/**
 * What this device can do about notifications right now:
 * "ios-install" (iOS Safari tab: push only works after Add to Home Screen),
 * "unsupported", "denied", "granted" or "ask".
 */
export function notificationState() {
  if (isIOS() && !isStandalone()) return "ios-install";
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    return "unsupported";
  }
  if (Notification.permission === "denied") return "denied";
  if (Notification.permission === "granted") return "granted";
  return "ask";
}

/** Decode a base64url VAPID key into the bytes PushManager.subscribe wants. */
export function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/**
 * Ask permission (call this from a tap), subscribe and register the device.
 * Resolves to "granted", "denied" or "default"; throws ApiError if the server refuses.
 */
export async function enableNotifications() {
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return permission;
  await subscribeThisDevice();
  return permission;
}

/** Subscribe (or reuse the current subscription) and register it; the server's device. */
export async function subscribeThisDevice() {
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.getSubscription() || await subscribeWithServerKey(registration);
  return registerSubscription(subscription);
}

/** A new push subscription made with the server's VAPID key. */
export async function subscribeWithServerKey(registration) {
  const { public_key: key } = await get("/api/push/public-key");
  return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
}

/**
 * Send this browser's subscription (`replaces` names the device it had before) and
 * remember the device, so that if the browser drops the subscription the app can replace it.
 */
export async function registerSubscription(subscription, replaces = null) {
  const body = subscription.toJSON();
  if (replaces) body.replaces = replaces;
  const answer = await post("/api/push/subscriptions", body);
  rememberDevice(answer.subscription.id);
  return answer.subscription;
}

/** The server's id for this browser's device, as last registered here (or null). */
export function rememberedDevice() {
  const id = Number.parseInt(localStorage.getItem(DEVICE_KEY) || "", 10);
  return Number.isInteger(id) && id > 0 ? id : null;
}

/** Remember (or, with null, forget) which device on the server is this browser. */
export function rememberDevice(id) {
  if (id) localStorage.setItem(DEVICE_KEY, String(id));
  else localStorage.removeItem(DEVICE_KEY);
}

/** This browser's current push endpoint, or null. */
export async function currentEndpoint() {
  if (!("serviceWorker" in navigator)) return null;
  const registration = await navigator.serviceWorker.getRegistration();
  const subscription = registration && (await registration.pushManager.getSubscription());
  return subscription ? subscription.endpoint : null;
}

/** Send a test notification to every device; resolves to {sent, failed}. */
export const sendTest = () => post("/api/push/test");

/** Steps for iOS, where notifications need the app on the Home Screen first. */
export const IOS_STEPS = [
  "Tap the Share button at the bottom of Safari.",
  "Choose \u201cAdd to Home Screen\u201d, then \u201cAdd\u201d.",
  "Open Tend from your Home Screen and come back to this step.",
];

/** What to do when notifications are blocked for Tend in this browser. */
export const DENIED_HELP = "Notifications are blocked for Tend in this browser. To allow them, " +
  "tap the lock or \u24d8 next to the address, choose Notifications \u2192 Allow, then reload this page. " +
  "On a phone you may also need to allow them for the browser in the phone's settings.";

/** What to say when this browser can't do notifications at all. */
export const UNSUPPORTED_HELP = "This browser can't show notifications from Tend. You can still " +
  "check in from the app, or open Tend in a current Chrome, Firefox, Edge or Safari.";

/**
 * A browser's refusal (a DOMException from permission or subscribe) in plain words with what
 * to do; errors from Tend's server already carry their own words and pass through.
 */
export function explainPushError(error) {
  if (error?.status !== undefined) return error.message;
  const name = error?.name || "";
  const text = String(error?.message || "").toLowerCase();
  if (name === "NotAllowedError") return DENIED_HELP;
  if (name === "NotSupportedError") return UNSUPPORTED_HELP;
  if (name === "AbortError" || text.includes("push service")) {
    return "This browser couldn't reach its notification service. Check that you're online " +
      "and try again. Private windows, and some browsers without Google or Mozilla services, " +
      "have no notification service: then open Tend in another browser.";
  }
  if (name === "InvalidStateError") {
    return "This browser still holds an older notification setup. Reload the page and try again.";
  }
  return "Notifications couldn't be turned on here. Reload the page and try again; " +
    "if it keeps happening, try another browser.";
}
