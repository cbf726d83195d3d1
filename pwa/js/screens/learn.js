// Learn: short cards about how this work affects people and what protects them.
// Open to everyone and readable offline (the service worker keeps the cards).

import { get } from "../api.js";
import { reminderOffer } from "../offer.js";
import { card, h, inBackground, mount } from "../ui.js";

const minutesText = (minutes) => `${minutes} minute${minutes === 1 ? "" : "s"} to read`;

/** A body of paragraphs; a paragraph whose lines start with "- " becomes a list. */
export function bodyBlocks(body) {
  return body.split(/\n\s*\n/).map((block) => {
    const lines = block.split("\n").map((line) => line.trim()).filter(Boolean);
    if (lines.length && lines.every((line) => line.startsWith("- "))) {
      return h("ul", { class: "bullets" }, lines.map((line) => h("li", {}, line.slice(2))));
    }
    return h("p", {}, lines.join(" "));
  });
}

function cardItem(item) {
  return h("li", {}, h("a", { class: "learn-link", href: `#/learn/${encodeURIComponent(item.id)}` },
    h("strong", {}, item.title), h("span", { class: "hint" }, item.summary),
    h("span", { class: "hint" }, minutesText(item.minutes))));
}

// Sunday evening: a quiet moment to read, never during a working week's rush.
const WEEKLY = { type: "daily", time: "18:00", days: [6] };

async function listView(ctx) {
  const [{ cards }, offer] = await Promise.all([
    get("/api/learn"),
    ctx.user && navigator.onLine ? inBackground(reminderOffer({
      kind: "learn", schedule: WEEKLY, title: "One card a week",
      offText: "If you like, Tend can send you one card each Sunday evening.",
      onText: "Tend sends you one card each Sunday evening.",
    })) : null,
  ]);
  mount(h("h1", {}, "Learn"),
    h("p", {}, "Short reads on how this work can affect you, and what helps. A few minutes each."),
    card(null, h("ul", { class: "list" }, cards.map(cardItem))),
    offer,
    h("ul", { class: "links" }, ctx.user
      ? [h("li", {}, h("a", { href: "#/reflect" }, "Your monthly look back")),
        h("li", {}, h("a", { href: "#/today" }, "Back to today"))]
      : h("li", {}, h("a", { href: "#/welcome" }, "Back to Tend"))));
}

async function cardView(id) {
  const [{ card: item }, list] = await Promise.all([
    get(`/api/learn/${encodeURIComponent(id)}`),
    get("/api/learn").catch(() => ({ cards: [] })),
  ]);
  const index = list.cards.findIndex((c) => c.id === item.id);
  const next = index >= 0 ? list.cards[index + 1] : null;
  mount(h("p", {}, h("a", { href: "#/learn" }, "\u2190 All cards")),
    h("article", { class: "card learn-card" },
      h("h1", {}, item.title),
      h("p", { class: "muted" }, minutesText(item.minutes)),
      bodyBlocks(item.body)),
    next ? h("p", {}, "Next: ", h("a", { href: `#/learn/${encodeURIComponent(next.id)}` }, next.title)) : null);
  document.title = `Tend \u2013 ${item.title}`;
}

/** Links from Trends signals to the card that explains them: {signal_id: <a>}. */
export async function signalLinks() {
  const links = {};
  try {
    for (const item of (await get("/api/learn")).cards) {
      for (const signal of item.signals || []) {
        links[signal] ??= h("a", { href: `#/learn/${encodeURIComponent(item.id)}` }, `Read: ${item.title}`);
      }
    }
  } catch { /* Trends works without the links. */ }
  return links;
}

/** Render #/learn (the list) or #/learn/<id> (one card). */
export async function render(ctx, args = []) {
  if (args[0]) await cardView(decodeURIComponent(args[0]));
  else await listView(ctx);
}
