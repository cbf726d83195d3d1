// "Need a moment?": short exercises and ways to reach someone, one tap from anywhere,
// signed out and offline too. Addresses: #/now, #/now/<exercise>, #/now/reach, and
// #/now/after (the screen after logging a hard moment).

import { patch } from "../api.js";
import { BREATHING, EXERCISES, breathingAt, exerciseById } from "../exercises.js";
import {
  keepCountry, keptCountry, keptPeople, phoneNumber, refreshLines, refreshPeople,
  rememberUser, signedInHere,
} from "../kept.js";
import { send } from "../outbox.js";
import { card, h, inBackground, mount, when } from "../ui.js";

export const LAST_MOMENT = "tend.now.last-moment";

/* ---- Reaching someone ------------------------------------------------------------- */

function callLinks(label, phone, text) {
  const links = [];
  const dial = phoneNumber(phone);
  const sms = phoneNumber(text);
  // The accessible name starts with the visible words and adds whom, for a list read aloud.
  if (dial) links.push(h("a", { class: "button secondary", href: `tel:${dial}`, "aria-label": `Call ${phone}, ${label}` }, `Call ${phone}`));
  if (sms) links.push(h("a", { class: "button secondary", href: `sms:${sms}`, "aria-label": `Text ${text}, ${label}` }, `Text ${text}`));
  return links.length ? h("span", { class: "call-row" }, links) : null;
}

/** One crisis line or operator resource, with links the phone can use straight away. */
export function lineItem(line, countryNames = {}) {
  const where = line.country ? countryNames[line.country] || regionName(line.country) : null;
  return h("li", {},
    h("strong", { class: "name" }, line.name), where ? h("span", { class: "hint" }, where) : null,
    callLinks(line.name, line.phone, line.text),
    line.url ? h("a", { class: "reach wrap", href: line.url, rel: "noopener noreferrer", target: "_blank" },
      line.url.replace(/^https?:\/\//, "").replace(/\/$/, "")) : null,
    line.note ? h("span", { class: "hint" }, line.note) : null);
}

/** A country's name in the reader's language ("US" → "United States"), else the code. */
function regionName(code) {
  try { return new Intl.DisplayNames([], { type: "region" }).of(code) || code; } catch { return code; }
}

/** One of the user's own people: call and text buttons when the contact is a phone number. */
export function personItem(person) {
  const phone = phoneNumber(person.contact);
  return h("li", {}, h("strong", { class: "name" }, person.name),
    phone ? callLinks(person.name, person.contact, person.contact)
      : person.contact ? h("span", { class: "hint wrap" }, person.contact) : null,
    person.note ? h("span", { class: "hint" }, person.note) : null);
}

/** The country's own line first: [first, rest]. Without a line there, one for anywhere. */
export function splitLines(lines, country) {
  const own = lines.filter((line) => country && line.country === country);
  const anywhere = lines.filter((line) => !line.country);
  const first = own[0] || anywhere[0] || null;
  const rest = lines.filter((line) => line !== first)
    .sort((a, b) => rank(a, country) - rank(b, country));
  return [first, rest];
}

/** "Talk to someone now": the line of the country the server listed first, the rest one tap away. */
export function crisisLinesBlock(lines) {
  const [first, rest] = splitLines(lines, lines[0]?.country);
  if (!first) return null;
  return [h("h3", {}, "Talk to someone now"), h("ul", { class: "list" }, lineItem(first)),
    rest.length ? h("details", { class: "adjust" }, h("summary", {}, "Lines in other countries"),
      h("ul", { class: "list" }, rest.map((line) => lineItem(line)))) : null];
}

function rank(line, country) {
  if (country && line.country === country) return 0;
  return line.country ? 2 : 1;
}

function countrySelect(data, chosen, onChange) {
  const codes = new Set((data.crisis_lines || []).map((line) => line.country).filter(Boolean));
  const countries = data.countries || [];
  // Countries with a line of their own first, then every other.
  const withLines = countries.filter((c) => codes.has(c.code));
  const others = countries.filter((c) => !codes.has(c.code));
  const option = (c) => h("option", { value: c.code, selected: c.code === chosen }, c.name);
  const select = h("select", { id: "now-country", name: "country" },
    h("option", { value: "", selected: !chosen }, "Not chosen"),
    withLines.length ? h("optgroup", { label: "With a line listed" }, withLines.map(option)) : null,
    h("optgroup", { label: "Other countries" }, others.map(option)));
  select.addEventListener("change", () => onChange(select.value || null));
  return h("div", { class: "field" }, h("label", { for: "now-country" }, "Your country"), select);
}

function linesBlock(data, country, onCountry) {
  const names = Object.fromEntries((data.countries || []).map((c) => [c.code, c.name]));
  const [first, rest] = splitLines(data.crisis_lines || [], country);
  return [
    h("h3", {}, "Talk to someone now"),
    first ? h("ul", { class: "list", id: "now-line" }, lineItem(first, names))
      : h("p", {}, "No line is listed yet."),
    rest.length ? h("details", { class: "adjust" },
      h("summary", {}, "Lines in other countries"),
      h("ul", { class: "list" }, rest.map((line) => lineItem(line, names)))) : null,
    countrySelect(data, country, onCountry),
  ];
}

function emergencyNote() {
  return h("p", { class: "muted" },
    "If you or someone else is in danger right now, call your local emergency number.");
}

/** "Reach someone": the operator's resources, your own people, then crisis lines. */
async function reachCard(ctx, titled = true) {
  const section = titled ? card("Reach someone",
    h("p", { class: "hint" }, "Start with whoever feels easiest. A short call is enough.")) : card(null);
  section.id = "reach";
  const body = h("div");
  section.append(body);
  const signedIn = Boolean(ctx.user);
  const [data, people] = await Promise.all([
    // Offline or failing, the lines kept on this device from last time are shown instead.
    inBackground(refreshLines()),
    signedIn ? refreshPeople() : Promise.resolve(signedInHere() ? keptPeople() : []),
  ]);
  const draw = (country) => {
    const parts = [];
    const resources = data?.resources || [];
    if (resources.length) {
      parts.push(h("h3", {}, "Support at work"), h("ul", { class: "list" }, resources.map((r) => lineItem(r))));
    }
    if (people.length) {
      parts.push(h("h3", {}, "Your people"), h("ul", { class: "list" }, people.map(personItem)));
    } else if (signedIn) {
      parts.push(h("p", {}, h("a", { href: "#/settings/support" }, "Add people you can turn to")));
    }
    if (data) {
      parts.push(...linesBlock(data, country, async (code) => {
        keepCountry(code);
        draw(code);
        section.querySelector("#now-country")?.focus();
        if (ctx.user && code) await inBackground(patch("/api/me", { country: code }).then((a) => { ctx.user = a.user; }));
      }));
    } else {
      parts.push(h("p", {}, "Crisis lines appear here once this page has been opened with a connection."));
    }
    parts.push(emergencyNote());
    body.replaceChildren(...parts);
  };
  const country = keptCountry() || (ctx.user && ctx.user.country) || data?.country || null;
  draw(country);
  return section;
}

/* ---- The list of exercises ---------------------------------------------------------- */

function exerciseList() {
  return h("ul", { class: "choices", "aria-label": "Exercises" }, EXERCISES.map((exercise) =>
    h("li", {}, h("a", { class: "choice", href: `#/now/${exercise.id}` },
      h("span", { class: "choice-title" }, exercise.title),
      h("span", { class: "hint" }, `${exercise.minutes}. ${exercise.summary}`)))));
}

async function hub(ctx) {
  rememberUser(ctx.user);
  mount(
    h("h1", {}, "Need a moment?"),
    h("p", {}, "Nothing to fix right now. Pick one; each takes a minute or two."),
    exerciseList(),
    await reachCard(ctx),
  );
}

async function reachOnly(ctx) {
  rememberUser(ctx.user);
  mount(
    h("h1", {}, "Reach someone"),
    h("p", {}, "Talking it through with someone often helps. Start with whoever feels easiest."),
    await reachCard(ctx, false),
    h("p", {}, h("a", { href: "#/now" }, "Or take a minute for yourself first")),
  );
}

/* ---- The end of an exercise: how do you feel now? ---------------------------------- */

function finish(ctx, exercise) {
  const storable = Boolean(ctx.user) || signedInHere();
  let stored = false;
  const store = (feeling) => {
    if (!storable || stored) return;
    stored = true;
    inBackground(send("POST", "/api/exercises", { exercise: exercise.id, ...(feeling ? { feeling_after: feeling } : {}) }));
  };
  const status = h("p", { role: "status", class: "muted" });
  const choices = [["better", "Better"], ["same", "Same"], ["worse", "Worse"]];
  const group = h("div", { class: "feelings", role: "group", "aria-labelledby": "feel-now" },
    choices.map(([value, label]) => h("button", {
      type: "button", class: "secondary", "aria-pressed": "false",
      onclick: (event) => {
        for (const other of group.querySelectorAll("button")) other.disabled = true;
        event.currentTarget.setAttribute("aria-pressed", "true");
        store(value);
        status.replaceChildren(value === "worse"
          ? h("span", {}, "Thank you for saying so. It may help to ",
            h("a", { href: "#/now/reach" }, "reach someone"), ".")
          : "Thank you. Noted.");
      },
    }, label)));
  mount(
    h("h1", {}, "That's the end"),
    h("p", {}, "Well done for taking this minute for yourself."),
    card(null, h("h2", { id: "feel-now" }, "How do you feel now?"),
      h("p", { class: "hint" }, "One tap, if you like. You can also skip it."), group, status),
    h("div", { class: "row" },
      h("a", { class: "button", href: ctx.user ? "#/today" : "#/now", onclick: () => store(null) }, "Done"),
      h("a", { class: "button secondary", href: "#/now", onclick: () => store(null) }, "Another exercise")),
  );
}

/* ---- Stepwise exercises -------------------------------------------------------------- */

function stepwise(ctx, exercise) {
  const show = (index) => {
    if (index >= exercise.steps.length) { finish(ctx, exercise); return; }
    const step = exercise.steps[index];
    const last = index === exercise.steps.length - 1;
    mount(
      h("p", { class: "progress" }, `${exercise.title}: step ${index + 1} of ${exercise.steps.length}`),
      h("h1", {}, step.title),
      h("p", { class: "step-text" }, step.text),
      h("p", { class: "hint" }, "Take your time. Tap when you are ready."),
      h("div", { class: "row" },
        h("button", { type: "button", onclick: () => show(index + 1) }, last ? "Finish" : "Next"),
        h("a", { class: "button secondary", href: "#/now" }, "Stop")),
    );
  };
  show(0);
}

/* ---- Paced breathing ----------------------------------------------------------------- */

function breathing(ctx, exercise) {
  const canVibrate = typeof navigator.vibrate === "function";
  const vibrate = h("input", { type: "checkbox", id: "breathe-vibrate" });
  const start = h("button", { type: "button", class: "wide" }, "Start");
  mount(
    h("h1", {}, exercise.title),
    h("p", {}, "Breathe in through your nose for 4, then out slowly for 6. Nine breaths, about a minute and a half."),
    h("p", { class: "hint" }, "Sit or stand however is comfortable. If counting feels like too much, just follow along."),
    canVibrate ? h("label", { class: "check", for: "breathe-vibrate" }, vibrate, "Vibrate gently when it changes") : null,
    start,
  );
  start.addEventListener("click", () => run(ctx, exercise, canVibrate && vibrate.checked));
}

function run(ctx, exercise, buzz) {
  const guide = h("div", { class: "breath", "aria-hidden": "true" }, h("div", { class: "breath-dot" }));
  const phase = h("p", { class: "phase", "aria-live": "polite" });
  const count = h("p", { class: "count", "aria-hidden": "true" });
  const progress = h("p", { class: "progress" });
  const stop = h("a", { class: "button secondary", href: "#/now" }, "Stop");
  mount(h("h1", {}, "Breathe slowly"),
    h("div", { class: "breath-stage" }, guide, phase, count, progress, stop));
  let elapsed = 0;
  const draw = () => {
    const at = breathingAt(elapsed);
    if (at.done) return false;
    if (at.starts) {
      guide.className = `breath ${at.phase.name}`;
      phase.textContent = at.phase.label;
      if (buzz) navigator.vibrate(at.phase.name === "in" ? 60 : [30, 80, 30]);
    }
    count.textContent = String(at.remaining);
    progress.textContent = `Breath ${at.cycle + 1} of ${BREATHING.cycles}`;
    return true;
  };
  draw();
  const timer = setInterval(() => {
    if (!guide.isConnected) { clearInterval(timer); return; } // left the screen
    elapsed += 1;
    if (!draw()) { clearInterval(timer); finish(ctx, exercise); }
  }, 1000);
}

/* ---- After logging a hard moment ----------------------------------------------------- */

function lastMoment() {
  try { return JSON.parse(sessionStorage.getItem(LAST_MOMENT)); } catch { return null; }
}

function checkBackText(moment) {
  const times = (moment?.followups || []).map((f) => f.at).filter(Boolean).sort();
  if (!times.length) return null;
  const words = times.map((at) => dayAndTime(at));
  return `Tend will check in with you ${words.join(" and again ")}.`;
}

function dayAndTime(iso) {
  const text = when(iso);
  if (/^(today|tomorrow) /.test(text)) return text;
  const date = new Date(iso);
  return `on ${date.toLocaleDateString([], { weekday: "long" })} at ${date.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" })}`;
}

function after(ctx) {
  const moment = lastMoment();
  const checkBack = checkBackText(moment);
  mount(
    h("h1", {}, "Noted. That sounded hard."),
    h("p", {}, "What would help right now?"),
    h("ul", { class: "choices" },
      h("li", {}, h("a", { class: "choice", href: "#/now" },
        h("span", { class: "choice-title" }, "Take a minute"),
        h("span", { class: "hint" }, "A short breathing or grounding exercise."))),
      h("li", {}, h("a", { class: "choice", href: "#/now/reach" },
        h("span", { class: "choice-title" }, "Reach someone"),
        h("span", { class: "hint" }, "Your people, and lines you can call any time."))),
      h("li", {}, h("a", { class: "choice", href: ctx.user ? "#/today" : "#/now" },
        h("span", { class: "choice-title" }, "I'm OK for now"),
        h("span", { class: "hint" }, "Back to your day.")))),
    checkBack ? card(null, h("p", {}, checkBack), h("p", { class: "hint" },
      h("a", { href: "#/moments" }, "Your hard moments"))) : null,
  );
}

/** Render "Need a moment?" or one of its parts, chosen by the address. */
export async function render(ctx, args = []) {
  const [part] = args;
  document.title = "Tend \u2013 Need a moment?";
  if (!part) return hub(ctx);
  if (part === "reach") return reachOnly(ctx);
  if (part === "after") return after(ctx);
  const exercise = exerciseById(part);
  if (!exercise) return hub(ctx);
  if (exercise.timed) return breathing(ctx, exercise);
  return stepwise(ctx, exercise);
}
