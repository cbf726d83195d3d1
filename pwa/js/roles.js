// Words that fit the job: the work a person does, chosen in one tap (onboarding) or in
// Settings. The server fills questions and Learn cards with that role's words.

import { patch } from "./api.js";
import { field, h, toast } from "./ui.js";

export const ROLES = [
  ["nurse", "Nurse"],
  ["physician", "Doctor"],
  ["therapist", "Therapist or counsellor"],
  ["social_worker", "Social worker or caseworker"],
  ["paramedic", "Paramedic or EMT"],
  ["firefighter", "Firefighter"],
  ["police", "Police officer"],
  ["dispatcher", "Emergency dispatcher"],
  ["journalist", "Journalist"],
  ["lawyer", "Lawyer or advocate"],
  ["interpreter", "Interpreter"],
  ["moderator", "Content moderator"],
  ["other", "Something else"],
];

/** Save the role (null clears it) and hand the updated user on. */
export async function saveRole(role) {
  return (await patch("/api/me", { role })).user;
}

/** One button per role; a tap saves it and calls `after(user)`. */
export function rolePicker(current, after) {
  return h("div", { class: "roles", role: "group", "aria-label": "Your work" },
    ROLES.map(([value, label]) => h("button", {
      type: "button", class: "secondary", "aria-pressed": String(current === value),
      onclick: async (event) => {
        const button = event.currentTarget;
        button.disabled = true;
        try { await after(await saveRole(value)); } catch (error) { toast(error.message); } finally {
          button.disabled = false;
        }
      },
    }, label)));
}

/** The Settings card: what you do, chosen from a list, saved as soon as it changes. */
export function roleCard(ctx) {
  const select = h("select", { id: "role", name: "role", onchange: async () => {
    try {
      ctx.user = await saveRole(select.value || null);
      toast("Saved.");
    } catch (error) { toast(error.message); }
  } }, h("option", { value: "" }, "General words"),
  ROLES.map(([value, label]) => h("option", { value, selected: ctx.user.role === value }, label)));
  return h("section", { class: "card", id: "work" }, h("h2", {}, "Your work"),
    field("What you do", select,
      "Questions and Learn cards then say \u201cpatient\u201d, \u201ccaller\u201d or \u201csource\u201d instead of \u201cthe people you help\u201d."));
}
