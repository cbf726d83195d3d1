// Tend's entry point: registers the service worker, knows who is signed in, and routes
// #/hash addresses to screens. Each screen module exports `render(ctx)`.

import { ApiError, get, resetCsrf } from "./api.js";
import { h, mount } from "./ui.js";

const SCREENS = {
  welcome: () => import("./screens/welcome.js"),
  start: () => import("./screens/onboarding.js"),
  today: () => import("./screens/today.js"),
  checkin: () => import("./screens/checkin.js"),
  reminders: () => import("./screens/reminders.js"),
  trends: () => import("./screens/trends.js"),
  settings: () => import("./screens/settings.js"),
};
const PUBLIC = new Set(["welcome", "start"]);
const TABBED = new Set(["today", "reminders", "trends", "settings"]);

/** Shared state handed to every screen. */
export const ctx = {
  user: null,
  /** Re-read the signed-in user (null when signed out). */
  async refreshUser() {
    try {
      ctx.user = (await get("/api/me")).user;
    } catch (error) {
      if (error.status !== 401) throw error;
      ctx.user = null;
    }
    return ctx.user;
  },
  /** Call after signing in or out: new session, new CSRF token. */
  async sessionChanged() {
    resetCsrf();
    await ctx.refreshUser();
  },
  go(route) {
    if (location.hash === `#/${route}`) show();
    else location.hash = `#/${route}`;
  },
};

/** "#/checkin?domains=sleep&moment=3" -> {name: "checkin", args: [], params}. */
function parseHash() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?", 2);
  const [name, ...rest] = path.split("/");
  return { name: name || "", args: rest, params: new URLSearchParams(query) };
}

function markTab(name) {
  const tabs = document.getElementById("tabs");
  tabs.hidden = !TABBED.has(name) && name !== "checkin";
  for (const link of tabs.querySelectorAll("a")) {
    if (link.dataset.tab === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

async function show() {
  let { name, args, params } = parseHash();
  if (!ctx.user && !PUBLIC.has(name)) name = "welcome";
  if (ctx.user && (name === "" || name === "welcome")) name = "today";
  if (!SCREENS[name]) name = ctx.user ? "today" : "welcome";
  markTab(name);
  document.title = `Tend \u2013 ${name[0].toUpperCase()}${name.slice(1)}`;
  const holder = document.getElementById("screen");
  holder.removeAttribute("data-ready");
  try {
    const screen = await SCREENS[name]();
    await screen.render(ctx, args, params);
    holder.dataset.ready = name;
  } catch (error) {
    mount(h("h1", {}, "This didn't load"),
      h("p", {}, error instanceof ApiError ? error.message : "Please try again in a moment."),
      h("button", { type: "button", onclick: () => show() }, "Try again"));
  }
}

function watchNetwork() {
  const note = document.getElementById("net");
  const update = () => {
    note.hidden = navigator.onLine;
    if (navigator.onLine) flushQueuedAnswers();
  };
  addEventListener("online", update);
  addEventListener("offline", update);
  update();
}

/** Ask the service worker to send answers that waited while offline. */
function flushQueuedAnswers() {
  navigator.serviceWorker?.controller?.postMessage({ type: "flush-answers" });
}

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    navigator.serviceWorker.ready.then(flushQueuedAnswers);
  } catch {
    // The app works without the worker; it just loses offline and push.
  }
}

async function start() {
  registerWorker();
  watchNetwork();
  try {
    await ctx.refreshUser();
  } catch (error) {
    if (!error.offline) throw error;
    // The banner above says "You're offline"; the screen says what that means.
    mount(h("h1", {}, "Waiting for a connection"),
      h("p", {}, "Tend needs a connection to show your reminders and check-ins. " +
        "Anything you answered from a notification is kept and sent when you're back."),
      h("button", { type: "button", onclick: () => location.reload() }, "Try again"));
    document.getElementById("tabs").hidden = true;
    addEventListener("online", () => location.reload(), { once: true });
    return;
  }
  addEventListener("hashchange", show);
  await show();
}

start();
