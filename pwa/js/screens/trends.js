// Trends: how the answers move over weeks, three signals in plain words, and — when the
// answers suggest it — the person's own support and crisis lines.

import { get } from "../api.js";
import { weeklyChart } from "../charts.js";
import { card, h, mount } from "../ui.js";
import { crisisLinesBlock, lineItem, personItem } from "./now.js";
import { signalLinks } from "./learn.js";

const TREND_WORDS = {
  rising: "more strain lately",
  easing: "easing lately",
  steady: "steady",
  not_enough_data: "no trend yet",
};
// A topic whose title reads better when higher ("Making a difference") says it the other way.
const UPWARD_WORDS = { rising: "lower lately", easing: "higher lately", steady: "steady" };
const DOWNWARD_WORDS = { rising: "more lately", easing: "less lately", steady: "steady" };
// Said once on the screen, not after every topic.
const NEEDS_WEEKS = "A trend needs a few weeks of answers.";

/** A trend in words, e.g. "more strain lately"; the points behind it are not shown. */
export function trendText(trend) {
  if (!trend) return TREND_WORDS.not_enough_data;
  return TREND_WORDS[trend.direction] || trend.direction;
}

/** A topic's trend in the words of its own title ("higher lately" for Making a difference). */
export function topicTrendText(domain) {
  const direction = domain.trend_4w?.direction;
  const words = domain.higher_is_better ? UPWARD_WORDS : DOWNWARD_WORDS;
  return words[direction] || TREND_WORDS.not_enough_data;
}

/** Whether a topic's recent move is the harder way (more strain), whichever way it reads. */
const harder = (domain) => domain.trend_4w?.direction === "rising";

const scores = (weekly = []) => weekly.map((w) => (w.score === null || w.score === undefined ? null : w.score));
const hasData = (weekly = []) => weekly.some((w) => w.score !== null && w.score !== undefined);

function weekLabels(weeks = []) {
  return weeks.map((w) => {
    const date = new Date(`${w.starts}T12:00:00`);
    return Number.isNaN(date.getTime()) ? w.week : date.toLocaleDateString([], { day: "numeric", month: "short" });
  });
}

function signalCard(signal, links = {}) {
  const section = card(signal.title, h("p", {}, signal.text), links[signal.id] || null);
  if (signal.level === "moderate" || signal.level === "high") section.classList.add("warm");
  return section;
}

/** The support block: the user's people and restoring activities, and crisis lines. */
export function supportCard(support) {
  if (!support) return null;
  const people = support.people || [];
  const activities = support.activities || [];
  const resources = support.resources || [];
  const section = card("Support", h("p", {}, support.message || "It might help to reach out."),
    resources.length ? [h("h3", {}, "Support at work"), h("ul", { class: "list" }, resources.map((r) => lineItem(r)))] : null,
    people.length ? [h("h3", {}, "Your people"), h("ul", { class: "list" }, people.map(personItem))]
      : h("p", {}, h("a", { href: "#/settings/support" }, "Add people who support you")),
    activities.length ? [h("h3", {}, "What restores you"),
      h("ul", { class: "list" }, activities.map((a) => h("li", {}, a.text || String(a))))] : null,
    crisisLinesBlock(support.crisis_lines || []),
    h("p", {}, h("a", { href: "#/now" }, "Need a moment? Short exercises to try now")));
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

/** The weekly values as drawn: strain, or 100 - strain for a topic that reads better higher. */
function topicValues(domain) {
  return scores(domain.weekly).map((v) => (v === null || !domain.higher_is_better ? v : 100 - v));
}

function topicMeaning(domain) {
  return domain.higher_is_better
    ? "Higher is better: the line rises when your answers say there was more of this."
    : "Higher is harder: the line rises when your answers say there was more of this.";
}

function domainItem(domain, labels) {
  const trend = topicTrendText(domain);
  const summary = `${domain.title}, week by week: ${trend}. ${topicMeaning(domain)}`;
  // Title and trend one under the other, so every topic reads the same at any width.
  return h("li", {}, h("h3", {}, domain.title),
    h("p", { class: harder(domain) ? "trend-up" : "muted" }, `${trend[0].toUpperCase()}${trend.slice(1)}. ${topicMeaning(domain)}`),
    weeklyChart(topicValues(domain), labels, summary, { height: 56, compact: true }));
}

/** One line for every topic that has no trend yet, instead of one empty chart each. */
function waitingTopics(domains) {
  if (!domains.length) return null;
  return h("p", { class: "muted", id: "topics-waiting" },
    `No trend yet for ${domains.map((d) => d.title).join(", ")}: a few more weeks of answers will show one.`);
}

/** Render the trends screen from GET /api/insights: the overall line first, then the rest. */
export async function render() {
  const [data, links] = await Promise.all([get("/api/insights"), signalLinks()]);
  const labels = weekLabels(data.weeks);
  const overall = data.overall || {};
  const domains = Object.values(data.domains || {});
  const known = (d) => hasData(d.weekly) && d.trend_4w?.direction && d.trend_4w.direction !== "not_enough_data";
  const withTrend = domains.filter(known);
  const waitingOnes = domains.filter((d) => !known(d));
  const overallSummary = `Overall strain by week: ${trendText(overall.trend_4w)} over four weeks, ` +
    `${trendText(overall.trend_12w)} over twelve. Higher means more strain.`;
  const waiting = data.waiting || (overall.trend_4w?.direction === "not_enough_data" ? NEEDS_WEEKS : null);
  mount(
    h("h1", {}, "Trends"),
    card("Overall",
      h("p", {}, "How heavy things have felt, week by week, from all your answers. ",
        "Higher means more strain; a falling line means easing."),
      hasData(overall.weekly) ? weeklyChart(scores(overall.weekly), labels, overallSummary)
        : h("p", {}, "A few check-ins and a line will appear here."),
      h("p", { class: "muted" }, "Last four weeks: ", trendText(overall.trend_4w),
        ". Last twelve weeks: ", trendText(overall.trend_12w), ".")),
    waiting ? h("p", { class: "muted", id: "trends-waiting" }, waiting) : null,
    supportCard(data.support),
    // A signal that is not known yet only repeats the sentence above: left out.
    (data.signals || []).filter((signal) => signal.level !== "unknown")
      .map((signal) => signalCard(signal, links)),
    habitsCard(data.habits),
    withTrend.length || waitingOnes.length
      ? card("By topic",
        withTrend.length ? h("ul", { class: "list" }, withTrend.map((d) => domainItem(d, labels))) : null,
        waitingTopics(waitingOnes))
      : null,
    h("p", { class: "muted" }, "These are your own answers, not a diagnosis. Patterns over weeks say more than any single day."),
  );
}
