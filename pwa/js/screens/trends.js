// Trends: how the answers move over weeks, three signals in plain words, and — when the
// answers suggest it — the person's own support and crisis lines.

import { get } from "../api.js";
import { weeklyChart } from "../charts.js";
import { card, h, mount } from "../ui.js";

const TREND_WORDS = {
  rising: "more strain lately",
  easing: "easing lately",
  steady: "steady",
  not_enough_data: "a trend needs a few weeks of answers",
};

/** A trend in words, e.g. "more strain lately (+12)". */
export function trendText(trend) {
  if (!trend) return TREND_WORDS.not_enough_data;
  const words = TREND_WORDS[trend.direction] || trend.direction;
  if (typeof trend.change === "number" && trend.direction !== "not_enough_data") {
    const sign = trend.change > 0 ? "+" : "";
    return `${words} (${sign}${Math.round(trend.change)})`;
  }
  return words;
}

const scores = (weekly = []) => weekly.map((w) => (w.score === null || w.score === undefined ? null : w.score));
const hasData = (weekly = []) => weekly.some((w) => w.score !== null && w.score !== undefined);

function weekLabels(weeks = []) {
  return weeks.map((w) => {
    const date = new Date(`${w.starts}T12:00:00`);
    return Number.isNaN(date.getTime()) ? w.week : date.toLocaleDateString([], { day: "numeric", month: "short" });
  });
}

function signalCard(signal) {
  const section = card(signal.title, h("p", {}, signal.text));
  if (signal.level === "moderate" || signal.level === "high") section.classList.add("warm");
  return section;
}

function contactLine(person) {
  return h("li", {}, h("strong", {}, person.name), person.contact ? ` \u2013 ${person.contact}` : "",
    person.note ? h("span", { class: "hint" }, person.note) : null);
}

/** A number as a link the phone can dial or text straight away. */
function reachLink(scheme, verb, number) {
  return h("a", { class: "reach", href: `${scheme}:${number.replace(/[^0-9+]/g, "")}` }, `${verb} ${number}`);
}

function crisisLine(line) {
  const reach = [line.phone && reachLink("tel", "Call", line.phone), line.text && reachLink("sms", "Text", line.text)]
    .filter(Boolean);
  return h("li", {}, h("strong", {}, line.name), line.country ? ` (${line.country})` : "",
    reach.length ? h("span", { class: "reach-row" }, reach) : null,
    line.url ? h("span", { class: "hint" }, h("a", { class: "reach", href: line.url, rel: "noopener noreferrer", target: "_blank" }, line.url.replace(/^https?:\/\//, ""))) : null,
    line.note ? h("span", { class: "hint" }, line.note) : null);
}

/** The support block: the user's people and restoring activities, and crisis lines. */
export function supportCard(support) {
  if (!support) return null;
  const people = support.people || [];
  const activities = support.activities || [];
  const lines = support.crisis_lines || [];
  const section = card("Support", h("p", {}, support.message || "It might help to reach out."),
    people.length ? [h("h3", {}, "Your people"), h("ul", { class: "list" }, people.map(contactLine))]
      : h("p", {}, h("a", { href: "#/settings/support" }, "Add people who support you")),
    activities.length ? [h("h3", {}, "What restores you"),
      h("ul", { class: "list" }, activities.map((a) => h("li", {}, a.text || String(a))))] : null,
    lines.length ? [h("h3", {}, "Talk to someone now"), h("ul", { class: "list" }, lines.map(crisisLine))] : null);
  section.classList.add("warm");
  return section;
}

/** This week's and last week's habit figures in plain words, when there are any. */
export function habitsCard(habits) {
  const weeks = (habits?.weeks || []).slice(-2).reverse();
  const lines = (week) => [
    week.breaks_offered ? `Breaks taken: ${week.breaks_taken} of ${week.breaks_offered}` : null,
    week.workdays_tracked ? `Days work ran over: ${week.days_ran_over} of ${week.workdays_tracked}` : null,
    week.sleep_answers ? `Sleep check-ins: ${week.sleep_answers}` : null,
  ].filter(Boolean);
  const parts = weeks.map((week, i) => ({ title: i === 0 ? "This week" : "Last week", items: lines(week) }))
    .filter((part) => part.items.length);
  if (!parts.length) return null;
  return card("Habits", parts.map((part) => [h("h3", {}, part.title),
    h("ul", { class: "list" }, part.items.map((text) => h("li", {}, text)))]));
}

function domainItem(domain, labels) {
  const latest = [...(domain.weekly || [])].reverse().find((w) => w.score !== null && w.score !== undefined);
  const summary = `${domain.title}: ${trendText(domain.trend_4w)}` +
    (latest ? `, latest week ${Math.round(latest.score)} of 100.` : ".");
  // Title and trend one under the other, so every topic reads the same at any width.
  return h("li", {}, h("h3", {}, domain.title),
    h("p", { class: domain.trend_4w?.direction === "rising" ? "trend-up" : "muted" }, trendText(domain.trend_4w)),
  weeklyChart(scores(domain.weekly), labels, summary, { height: 56, compact: true }));
}

/** Render the trends screen from GET /api/insights. */
export async function render() {
  const data = await get("/api/insights");
  const labels = weekLabels(data.weeks);
  const overall = data.overall || {};
  const domains = Object.values(data.domains || {});
  const withData = domains.filter((d) => hasData(d.weekly));
  const overallSummary = `Overall strain by week, 0 to 100: ${trendText(overall.trend_4w)} over four weeks, ` +
    `${trendText(overall.trend_12w)} over twelve.`;
  mount(
    h("h1", {}, "Trends"),
    supportCard(data.support),
    card("Overall",
      h("p", { class: "muted" }, "Higher means more strain. Four weeks: ", trendText(overall.trend_4w),
        ". Twelve weeks: ", trendText(overall.trend_12w), "."),
      hasData(overall.weekly) ? weeklyChart(scores(overall.weekly), labels, overallSummary)
        : h("p", {}, "A few check-ins and a line will appear here.")),
    (data.signals || []).map(signalCard),
    habitsCard(data.habits),
    withData.length ? card("By topic", h("ul", { class: "list" }, withData.map((d) => domainItem(d, labels)))) : null,
    h("p", { class: "muted" }, "These are your own answers, not a diagnosis. Patterns over weeks say more than any single day."),
  );
}
