// Small DOM and formatting helpers shared by every screen (no framework, no innerHTML
// with data, so nothing a server or user typed is ever parsed as markup).

import { del } from "./api.js";

/** Build an element: h("button", {class: "x", onclick: fn}, "text", child, [more]). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "value") el.value = value;
    else if (name === "checked") el.checked = Boolean(value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

let ids = 0;
/** A fresh id for pairing labels with inputs. */
export const uid = (prefix = "f") => `${prefix}-${++ids}`;

/** A labelled input (or select/textarea given as `control`) with an optional hint. */
export function field(labelText, control, hint) {
  control.id ||= uid();
  const label = h("label", { for: control.id }, labelText);
  let hintEl = null;
  if (hint) {
    hintEl = h("span", { class: "hint", id: uid("hint") }, hint);
    control.setAttribute("aria-describedby", hintEl.id);
  }
  return h("div", { class: "field" }, label, hintEl, control);
}

/** Replace the screen's content and move focus to its heading for screen readers. */
export function mount(...children) {
  const screen = document.getElementById("screen");
  screen.replaceChildren();
  append(screen, children);
  const heading = screen.querySelector("h1");
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
  window.scrollTo(0, 0);
}

let toastTimer = null;
/**
 * A short, polite message at the bottom of the screen; with `action` ({label, run}) it
 * carries one button (e.g. Undo) and stays long enough to reach it.
 */
export function toast(message, action) {
  const el = document.getElementById("toast");
  el.replaceChildren(h("span", {}, message));
  el.classList.toggle("has-action", Boolean(action));
  if (action) {
    const button = h("button", {
      type: "button", class: "toast-action",
      onclick: () => {
        el.classList.remove("show");
        busy(button, action.run);
      },
    }, action.label);
    el.append(" \u2014 ", button);
  }
  el.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove("show"), action ? 10000 : 3500);
}

/** The input a server field name ("quiet_hours.start") belongs to: by full name, then its end. */
function inputFor(form, name) {
  for (const candidate of [name, name.replaceAll(".", "_"), name.split(".").pop()]) {
    const input = form.querySelector(`[name="${CSS.escape(candidate)}"]`);
    if (input) return input;
  }
  return null;
}

/**
 * Show an API error kindly inside `form`: every field's note under its field at once, the
 * message on top, and notes for fields the form has no input for listed with it.
 */
export function showError(form, error) {
  form.querySelectorAll(".field-error, .form-error").forEach((el) => el.remove());
  form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  const text = error.message || String(error);
  const shown = [];
  const elsewhere = [];
  let first = null;
  for (const [name, fieldText] of Object.entries(error.fields || {})) {
    const input = inputFor(form, name);
    if (!input) { elsewhere.push(fieldText); continue; }
    input.setAttribute("aria-invalid", "true");
    first ||= input;
    // The note that carries the message itself is where it is announced.
    const announce = fieldText === text && !shown.includes(text) ? { role: "alert" } : {};
    const note = h("p", { class: "field-error", id: uid("err"), ...announce }, fieldText);
    input.setAttribute("aria-describedby", note.id);
    (input.closest(".days, .check") || input).after(note);
    shown.push(fieldText);
  }
  // Said once: a message that is already under its field is not repeated on top.
  if (!shown.includes(text) || elsewhere.length) {
    form.prepend(h("p", { class: "form-error", role: "alert" },
      shown.includes(text) ? null : text,
      elsewhere.length ? h("span", { class: "hint" }, elsewhere.join(" ")) : null));
  }
  first?.focus({ preventScroll: false });
}

/** Run `task` with the button disabled; errors go to `onError` (default: a toast). */
export async function busy(button, task, onError = (error) => toast(error.message)) {
  button.disabled = true;
  try { return await task(); } catch (error) { onError(error); return undefined; } finally {
    button.disabled = false;
  }
}

/** Wire a form's submit to `task(formData)`, showing errors inside the form. */
/** A quiet "Remove" button for a row: deletes `path`, says `message` (if given), then `refresh()`. */
export function removeButton(label, path, refresh, message) {
  const button = h("button", {
    type: "button", class: "quiet", "aria-label": `Remove ${label}`,
    onclick: () => busy(button, async () => {
      await del(path);
      if (message) toast(message);
      refresh();
    }),
  }, "Remove");
  return button;
}

export function onSubmit(form, task) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]") || form;
    busy(button, async () => {
      form.querySelectorAll(".form-error, .field-error").forEach((el) => el.remove());
      await task(new FormData(form));
    }, (error) => showError(form, error));
  });
  return form;
}

export const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** Checkboxes for weekdays 0 = Monday … 6 = Sunday. */
export function dayPicker(legend, name, selected = []) {
  return h("fieldset", {},
    h("legend", {}, legend),
    h("div", { class: "days" }, WEEKDAYS.map((day, i) =>
      h("label", { class: "check" },
        h("input", { type: "checkbox", name, value: i, checked: selected.includes(i) }), day))));
}

/** The checked weekday numbers of a dayPicker in `form`. */
export const checkedDays = (form, name) =>
  [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((el) => Number(el.value));

/** "Tue 18:30" or "18:30" (today) for an ISO time, in the device's time zone. */
/** A time of day the way this device writes times ("17:30" or "5:30 PM"). */
export function clockTime(date) {
  return date.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
}

/** A wall time "HH:MM" from a schedule, written like every other time on screen. */
export function wallTime(hhmm) {
  const [hours, minutes] = String(hhmm || "").split(":").map(Number);
  if (!Number.isFinite(hours) || !Number.isFinite(minutes)) return hhmm || "";
  const date = new Date(2000, 0, 1, hours, minutes);
  return clockTime(date);
}

/** A date "YYYY-MM-DD" as "Mon, 3 Aug" (the device's way), at local noon so no zone moves it. */
export function calendarDay(isoDate) {
  const date = new Date(`${isoDate}T12:00:00`);
  if (Number.isNaN(date.getTime())) return isoDate;
  return date.toLocaleDateString([], { weekday: "short", day: "numeric", month: "short" });
}

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const time = clockTime(date);
  const today = new Date();
  if (date.toDateString() === today.toDateString()) return `today ${time}`;
  const tomorrow = new Date(today);
  tomorrow.setDate(today.getDate() + 1);
  if (date.toDateString() === tomorrow.toDateString()) return `tomorrow ${time}`;
  return `${date.toLocaleDateString([], { weekday: "short", day: "numeric", month: "short" })} ${time}`;
}

/** An ISO 8601 string with the device's UTC offset, e.g. 2026-01-31T18:00:00+01:00. */
export function isoWithOffset(date) {
  const pad = (n) => String(Math.abs(Math.trunc(n))).padStart(2, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

/** The local date as YYYY-MM-DD. */
export function isoDate(date) {
  return isoWithOffset(date).slice(0, 10);
}

/** A card section with a heading. */
export const card = (title, ...children) =>
  h("section", { class: "card" }, title ? h("h2", {}, title) : null, ...children);

/**
 * Work in the background whose failure the person need not see now: a refresh kept
 * for later, a one-time note, an offer, a detail. Resolves to null instead of failing.
 * Never for what a screen is about: that shows `failedCard` or the server's words.
 */
export function inBackground(promise) {
  return promise.catch(() => null);
}

/**
 * A card that could not load says so, in plain words, with a way to try again —
 * never an empty space that looks like "nothing here". Offline it says that instead.
 */
export function failedCard(title, error) {
  const why = error?.offline
    ? "You're offline. It will be here once you're back online."
    : "It didn't load just now. Your data is safe.";
  return h("section", { class: "card", role: "status" }, h("h2", {}, title), h("p", {}, why),
    error?.offline ? null
      : h("button", { type: "button", class: "secondary", onclick: () => location.reload() }, "Try again"));
}
