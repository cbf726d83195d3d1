// The monthly look back: eight questions, one at a time, an optional note, then the
// person's own answers month by month. Never a score, never a verdict.

import { get, getOptional, post } from "../api.js";
import { card, h, inBackground, mount } from "../ui.js";
import { scaleChoices } from "./checkin.js";
import { crisisLinesBlock, personItem } from "./now.js";
import { reminderOffer } from "../offer.js";

// The last Sunday evening of the month: the month is over, the week is quiet.
const MONTHLY = { type: "monthly", week: -1, weekday: 6, time: "18:00" };

const monthName = (iso) => new Date(iso).toLocaleDateString([], { month: "short", year: "numeric" });

function sameMonth(iso, now = new Date()) {
  const date = new Date(iso);
  return date.getFullYear() === now.getFullYear() && date.getMonth() === now.getMonth();
}

function labelOf(question, value) {
  const choice = scaleChoices(question.scale).find((c) => c.value === value);
  return choice?.label || String(value);
}

/** Links to the Learn cards a question names, by title. */
function learnLinks(question, titles) {
  const links = (question.learn || []).filter((id) => titles[id])
    .map((id) => h("li", {}, h("a", { href: `#/learn/${encodeURIComponent(id)}` }, titles[id])));
  return links.length ? [h("h3", {}, "Read more"), h("ul", { class: "links" }, links)] : null;
}

function answerChips(question, reflections) {
  const cells = reflections.map((r) => {
    const answer = r.answers.find((a) => a.question_id === question.id);
    return h("li", {}, h("span", { class: "hint" }, monthName(r.created_at)),
      answer ? labelOf(question, answer.value) : "\u2013");
  });
  return h("ul", { class: "months" }, cells);
}

async function supportCard() {
  const [people, activities, lines] = await Promise.all(["/api/support/people",
    "/api/support/activities", "/api/support/crisis-lines"].map((path) => inBackground(getOptional(path))));
  const own = people?.people || [];
  const restoring = activities?.activities || [];
  const section = card("If this month was heavy",
    h("p", {}, "Talking with someone you trust often helps. So does asking your team for a lighter stretch."),
    own.length ? [h("h3", {}, "Your people"), h("ul", { class: "list" }, own.map(personItem))]
      : h("p", {}, h("a", { href: "#/settings/support" }, "Add people who support you")),
    restoring.length ? [h("h3", {}, "What restores you"),
      h("ul", { class: "list" }, restoring.map((a) => h("li", {}, a.text)))] : null,
    crisisLinesBlock(lines?.crisis_lines || []),
    h("ul", { class: "links" },
      h("li", {}, h("a", { href: "#/learn/asking-for-support" }, "Asking your team or supervisor for support")),
      h("li", {}, h("a", { href: "#/learn/finding-a-therapist" }, "When and how to find a therapist"))));
  section.classList.add("warm");
  return section;
}

async function historyView(questions, reflections, titles, again) {
  const shown = reflections.slice(0, 6).reverse();
  const notes = reflections.filter((r) => r.note).slice(0, 6);
  return [h("h1", {}, "Month by month"),
    h("p", {}, "Your own answers, side by side, oldest first. They are not a score. Only you know what they mean."),
    questions.map((question) => card(null, h("h2", { class: "question" }, question.text),
      answerChips(question, shown), learnLinks(question, titles))),
    notes.length ? card("Your notes", h("ul", { class: "list" }, notes.map((r) =>
      h("li", {}, h("span", { class: "hint" }, monthName(r.created_at)), r.note)))) : null,
    await supportCard(),
    await inBackground(reminderOffer({
      kind: "reflection", schedule: MONTHLY, title: "Once a month",
      offText: "If you like, Tend can remind you on the last Sunday of each month.",
      onText: "Tend reminds you on the last Sunday of each month, unless you have looked back already.",
    })),
    h("button", { type: "button", class: "secondary wide", onclick: again }, "Look back again"),
    h("ul", { class: "links" }, h("li", {}, h("a", { href: "#/today" }, "Back to today")))];
}

function questionStep(question, index, total, onAnswer) {
  const headingId = `r-${question.id}`.replace(/[^\w-]/g, "-");
  return [h("p", { class: "progress" }, `Question ${index + 1} of ${total}`),
    h("section", { class: "card", "aria-labelledby": headingId },
      h("h2", { id: headingId }, question.text),
      h("div", { class: "scale", role: "group", "aria-labelledby": headingId },
        scaleChoices(question.scale).map((choice) => h("button", {
          type: "button", "aria-pressed": "false",
          onclick: (event) => {
            event.currentTarget.setAttribute("aria-pressed", "true");
            onAnswer(choice.value);
          },
        }, h("span", { class: "n" }, String(choice.value)), " ", h("span", { class: "t" }, choice.label)))),
      h("button", { type: "button", class: "quiet", onclick: () => onAnswer(null) }, "Skip this one"))];
}

function noteStep(onDone) {
  const note = h("textarea", { id: "look-back-note", name: "note", rows: 3, maxlength: 1000 });
  const status = h("p", { role: "alert", class: "form-error" });
  const save = h("button", { type: "button", class: "wide", onclick: async () => {
    save.disabled = true;
    try { await onDone(note.value.trim() || null); } catch (error) { status.textContent = error.message; } finally {
      save.disabled = false;
    }
  } }, "Save this month");
  return [h("h1", {}, "Anything to remember?"),
    card(null, h("label", { for: "look-back-note" }, "A note for yourself",
      h("span", { class: "hint" }, "Optional. What stood out this month?")), note, status, save)];
}

/** Walk through the questions, save, then show the history. */
function askAll(questions, done, earlier = false) {
  const answers = [];
  const step = (index) => {
    if (index >= questions.length) {
      mount(...noteStep(async (note) => {
        if (!answers.length && !note) { await done(); return; }
        if (!answers.length) throw new Error("Answer at least one question, or skip the note too.");
        await post("/api/reflections", note ? { answers, note } : { answers });
        await done();
      }));
      return;
    }
    const question = questions[index];
    mount(h("h1", {}, "Monthly look back"), ...questionStep(question, index, questions.length, (value) => {
      if (value !== null) answers.push({ question_id: question.id, value });
      step(index + 1);
    }));
  };
  mount(h("h1", {}, "Monthly look back"),
    h("p", {}, "Eight questions about the past month, about two minutes. Your answers are just for you."),
    h("button", { type: "button", class: "wide", onclick: () => step(0) }, "Start"),
    earlier ? h("button", { type: "button", class: "secondary wide", onclick: done }, "See earlier months") : null,
    h("ul", { class: "links" }, h("li", {}, h("a", { href: "#/today" }, "Not now"))));
}

/** Render #/reflect: the look back, or this month's answers when it is already done. */
export async function render() {
  const [{ questions }, learn] = await Promise.all([
    get("/api/reflections/questions"),
    get("/api/learn").catch(() => ({ cards: [] })),
  ]);
  const titles = Object.fromEntries(learn.cards.map((c) => [c.id, c.title]));
  const showHistory = async () => {
    const { reflections } = await get("/api/reflections");
    if (!reflections.length) { askAll(questions, showHistory); return; }
    mount(...(await historyView(questions, reflections, titles, () => askAll(questions, showHistory))));
  };
  const { reflections } = await get("/api/reflections?limit=1");
  if (reflections.length && sameMonth(reflections[0].created_at)) await showHistory();
  else askAll(questions, showHistory, reflections.length > 0);
}
