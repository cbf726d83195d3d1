// A gentle offer on Learn and the look back: one reminder of that kind, on or off with one
// tap. Its time can be changed like any other reminder, on the Reminders screen.

import { del, get, post } from "./api.js";
import { busy, card, h, toast } from "./ui.js";

/** A card that switches the reminder of ``kind`` on (with ``schedule``) or off again. */
export async function reminderOffer({ kind, schedule, title, offText, onText }) {
  const { reminders } = await get("/api/reminders");
  const mine = reminders.find((reminder) => reminder.kind === kind);
  const status = h("p", { role: "status", class: "muted" });
  const button = h("button", { type: "button", class: "secondary", onclick: () => busy(button, async () => {
    if (mine) {
      await del(`/api/reminders/${mine.id}`);
      toast("Reminder off.");
    } else {
      await post("/api/reminders", { kind, schedule });
      toast("Reminder on. You can change its time under Reminders.");
    }
    const fresh = await reminderOffer({ kind, schedule, title, offText, onText });
    section.replaceWith(fresh);
  }) }, mine ? "Stop these reminders" : "Remind me");
  const section = card(title, h("p", {}, mine ? onText : offText), button, status);
  return section;
}
