// Your hard moments: what you logged, newest first; change the note or remove one.

import { del, get, patch } from "../api.js";
import { card, field, h, mount, onSubmit, toast } from "../ui.js";

const KIND_WORDS = {
  distressing_disclosure: "Someone shared something distressing",
  critical_incident: "A critical incident",
  client_loss: "Losing a client or patient",
  safety_threat: "A threat to my own safety",
  other: "Something else",
};

function dateText(iso) {
  const date = new Date(iso);
  return date.toLocaleString([], { weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit" });
}

function noteEditor(moment, done) {
  const form = h("form", { novalidate: true },
    field("Note", h("textarea", { name: "note", rows: 3, maxlength: 1000, value: moment.note || "" }),
      "Only you can see it. Leave it empty to remove the note."),
    h("div", { class: "row" }, h("button", { type: "submit" }, "Save note"),
      h("button", { type: "button", class: "quiet", onclick: () => done(false) }, "Cancel")));
  return onSubmit(form, async (data) => {
    await patch(`/api/moments/${moment.id}`, { note: (data.get("note") || "").trim() });
    done(true);
  });
}

function momentItem(moment, refresh) {
  const slot = h("div");
  const headingId = `moment-${moment.id}`;
  const edit = h("button", { type: "button", class: "secondary", "aria-describedby": headingId },
    moment.note ? "Edit note" : "Add a note");
  const remove = h("button", { type: "button", class: "danger", "aria-describedby": headingId }, "Delete");
  const actions = h("div", { class: "row" }, edit, remove);
  edit.addEventListener("click", () => {
    actions.hidden = true;
    slot.replaceChildren(noteEditor(moment, (saved) => {
      if (saved) { toast("Note saved."); refresh(); return; }
      slot.replaceChildren();
      actions.hidden = false;
      edit.focus();
    }));
    slot.querySelector("textarea")?.focus();
  });
  remove.addEventListener("click", () => {
    actions.hidden = true;
    const confirmBox = h("div", { class: "row", role: "group", "aria-label": "Delete this moment?" },
      h("p", { class: "wide" }, "Delete this moment? Check-ins still to come about it are cancelled."),
      h("button", { type: "button", class: "danger", onclick: async () => {
        try {
          await del(`/api/moments/${moment.id}`);
          toast("Deleted.");
          refresh();
        } catch (error) { toast(error.message); }
      } }, "Yes, delete"),
      h("button", { type: "button", class: "quiet", onclick: () => {
        slot.replaceChildren(); actions.hidden = false; remove.focus();
      } }, "Keep it"));
    slot.replaceChildren(confirmBox);
    confirmBox.querySelector("button")?.focus();
  });
  return h("li", { class: "moment" },
    h("h2", { id: headingId }, KIND_WORDS[moment.kind] || moment.kind),
    h("p", { class: "moment-meta" }, `${dateText(moment.occurred_at)} \u00b7 heaviness ${moment.intensity} of 5`),
    moment.note ? h("p", { class: "moment-note" }, moment.note) : null,
    actions, slot);
}

/** Render the list of hard moments. */
export async function render(ctx) {
  const refresh = () => render(ctx);
  const { moments } = await get("/api/moments");
  mount(
    h("h1", {}, "Your hard moments"),
    h("p", { class: "muted" }, "Only you can see these. Noting them is enough; nothing here is a score."),
    moments.length ? card(null, h("ul", { class: "list" }, moments.map((m) => momentItem(m, refresh))))
      : card(null, h("p", {}, "Nothing logged. You can note one from Today after a hard call or session.")),
    h("p", {}, h("a", { href: "#/now" }, "Need a moment? Short exercises and people to reach")),
  );
}
