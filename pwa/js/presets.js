// A starter program (sleep, breaks, boundaries, time off) as a card with its main
// settings and a button that switches it on. Used by onboarding and the reminders screen.

import { del, post } from "./api.js";
import { describeSchedule, isMonthlyPlanner } from "./schedule.js";
import { field, h, showError, toast, when } from "./ui.js";

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** The preset's parameters: [{name, type, default, description, …}] as the API documents. */
export const parameterList = (preset) => preset.parameters;

function parameterInput(param) {
  const value = param.default;
  // Weekday numbers make poor form fields; those keep their sensible defaults here.
  if (/day/.test(param.name)) return null;
  const label = param.description;
  if (typeof value === "string" && TIME.test(value)) {
    return field(label, h("input", { type: "time", name: param.name, value }));
  }
  if (typeof value === "boolean") {
    return h("label", { class: "check" },
      h("input", { type: "checkbox", name: param.name, checked: value }), label);
  }
  if (typeof value === "number") {
    return field(label, h("input", {
      type: "number", name: param.name, value, inputmode: "numeric",
      min: param.minimum ?? param.ge ?? null, max: param.maximum ?? param.le ?? null,
      step: Number.isInteger(value) ? 1 : "any",
    }));
  }
  return null; // lists and optional settings keep their defaults here
}

function adjustments(params) {
  const inputs = params.map(parameterInput).filter(Boolean);
  if (!inputs.length) return null;
  return h("details", { class: "adjust" }, h("summary", {}, "Adjust"), inputs);
}

function readParams(form, params) {
  const values = {};
  for (const param of params) {
    const input = form.elements.namedItem(param.name);
    if (!input) continue;
    if (input.type === "checkbox") values[param.name] = input.checked;
    else values[param.name] = input.type === "number" ? Number(input.value) : input.value;
  }
  return values;
}

function describeCreated(answer) {
  const times = answer.reminders.map((r) => r.next_due_at).filter(Boolean).sort();
  const notes = answer.notes.join(" ");
  return [times.length ? `Added. First one ${when(times[0])}.` : "Added.", notes].filter(Boolean).join(" ");
}

/** A card for one preset: switch it on (with its settings) or off again. */
export function presetCard(preset, ctx, onChanged = () => {}) {
  const params = parameterList(preset);
  const name = preset.name || preset.id;
  let active = Boolean(preset.active);
  const done = h("p", { role: "status", class: "muted" });
  const button = h("button", { type: "submit", class: "secondary" });
  const label = () => {
    button.textContent = active ? `Switch off ${name.toLowerCase()}` : `Switch on ${name.toLowerCase()}`;
  };
  label();
  const form = h("form", { class: "card", novalidate: true },
    h("h2", {}, name),
    preset.description ? h("p", {}, preset.description) : null,
    preset.preview.length ? h("ul", { class: "hint" }, preset.preview.map((item) =>
      h("li", {}, `${item.title} \u2013 ${describeSchedule(item.schedule, { monthly: isMonthlyPlanner(item.kind, preset.id) })}`))) : null,
    preset.unavailable && !active ? h("p", { class: "hint" }, preset.unavailable) : null,
    adjustments(params), button, done);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    form.querySelectorAll(".form-error, .field-error").forEach((el) => el.remove());
    const path = `/api/habits/presets/${encodeURIComponent(preset.id)}`;
    try {
      if (active) {
        await del(path);
        done.textContent = "Switched off. Its reminders are gone.";
      } else {
        done.textContent = describeCreated(await post(path, readParams(form, params)));
        toast(`Switched on: ${name.toLowerCase()}.`);
      }
      active = !active;
      label();
      onChanged(active, ctx);
    } catch (error) {
      showError(form, error);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
