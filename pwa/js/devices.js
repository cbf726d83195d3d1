// One device in Settings: its name, when a notification last reached it, what went wrong
// last time (in plain words), a test for just this device, and removing it.

import { del, getOptional, post } from "./api.js";
import { forgetThisDevice } from "./heal.js";
import { busy, h, inBackground, toast, when } from "./ui.js";

/** "Last reached today 08:30", or when it was added if nothing has reached it yet. */
export function reachedWords(device) {
  if (device.last_success_at) return `Last reached ${when(device.last_success_at)}`;
  return `Not reached yet. Added ${when(device.created_at)}`;
}

/** The list item for `device`; `mine` is this browser's endpoint; `refresh` redraws the list. */
export function deviceItem(device, mine, refresh) {
  const name = device.device_label || "A device";
  const isThis = device.endpoint === mine;
  const status = h("p", { role: "status", class: "hint" });
  const test = h("button", {
    type: "button", class: "secondary", "aria-label": `Send a test to ${name}`,
    onclick: () => busy(test, async () => {
      const answer = await post(`/api/push/subscriptions/${device.id}/test`);
      status.textContent = answer.sent
        ? "Sent. It should appear on that device in a moment."
        : "It didn't get through this time.";
    }),
  }, "Send a test");
  const remove = h("button", {
    type: "button", class: "quiet", "aria-label": `Remove ${name}`,
    onclick: () => busy(remove, async () => {
      await del(`/api/push/subscriptions/${device.id}`);
      // Otherwise the app would register this browser again on its next start.
      if (isThis) await inBackground(forgetThisDevice());
      toast("Removed.");
      refresh();
    }),
  }, "Remove");
  return h("li", { class: "device" },
    h("p", { class: "device-name" }, h("strong", {}, name), isThis ? " (this one)" : ""),
    h("span", { class: "hint" }, reachedWords(device)),
    device.last_failure ? h("span", { class: "hint" }, device.last_failure) : null,
    h("div", { class: "row" }, test, remove),
    status);
}

/** The note on Today after the daily job removed silent devices; shown once, then let go. */
export async function removedDevicesNote() {
  const answer = await getOptional("/api/push/removed-devices");
  const removed = answer?.removed_devices || [];
  if (!removed.length) return null;
  await del("/api/push/removed-devices"); // told once
  const names = [...new Set(removed.map((d) => d.device_label || "a browser"))];
  const which = removed.length === 1 ? "an old device" : "some old devices";
  return h("section", { class: "card" }, h("h2", {}, "A small tidy-up"),
    h("p", {}, `We stopped sending to ${which} (${names.join(", ")}) that hadn't been in touch for a month.`),
    h("p", { class: "hint" }, "Still using it? Open Tend there and turn notifications on again."));
}
