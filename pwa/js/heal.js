// Subscriptions that heal: on every start the app compares this browser's push
// subscription with what the server holds. Browsers may drop a subscription without a
// word (only Firefox says so), and iOS may revoke one; the person would simply stop
// hearing from Tend.

import { registerSubscription, rememberDevice, rememberedDevice, subscribeWithServerKey } from "./push.js";

let healing = Promise.resolve(null);

/** Resolves once the last repair has finished (never rejects): the devices list waits. */
export const healed = () => healing;

/**
 * Compare and repair, quietly. With permission granted:
 * - the browser holds a subscription: post it again (the server marks the device seen,
 *   and registers it if it had lost it);
 * - the browser's is gone but this browser had a device: subscribe again and replace it.
 * Resolves to the registered subscription, or null when there was nothing to do.
 */
export function healSubscription() {
  const attempt = repair();
  // Only for waiting on a repair in flight; the caller of healSubscription sees its failure.
  healing = attempt.catch(() => null);
  return attempt;
}

async function repair() {
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    return null;
  }
  if (Notification.permission !== "granted") return null;
  const registration = await navigator.serviceWorker.ready;
  const current = await registration.pushManager.getSubscription();
  if (current) return registerSubscription(current);
  const replaces = rememberedDevice();
  if (!replaces) return null; // notifications were never turned on here, or turned off
  return registerSubscription(await subscribeWithServerKey(registration), replaces);
}

/** Stop this browser's subscription and forget its device (after "Remove" on this one). */
export async function forgetThisDevice() {
  rememberDevice(null);
  const registration = await navigator.serviceWorker?.getRegistration();
  const subscription = registration && (await registration.pushManager.getSubscription());
  if (subscription) await subscription.unsubscribe();
}

/** Clear the home-screen badge, where the Badging API exists. */
export function clearBadge() {
  if ("clearAppBadge" in navigator) navigator.clearAppBadge().catch(() => {});
}
