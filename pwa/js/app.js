// Tend's entry point: registers the service worker, knows who is signed in, and routes
// #/hash addresses to screens. Each screen module exports `render(ctx)`.

import { ApiError, get, onLocked, resetCsrf } from "./api.js";
import { clearBadge, healSubscription } from "./heal.js";
import { h, inBackground, mount } from "./ui.js";
import { forgetPeople, forgetPerson, refreshLines, refreshPeople, rememberUser } from "./kept.js";
import { hide as hideNow } from "./screens/lock.js";
import { flush as flushOutbox } from "./outbox.js";

const SCREENS = {
  welcome: () => import("./screens/welcome.js"),
  start: () => import("./screens/onboarding.js"),
  today: () => import("./screens/today.js"),
  checkin: () => import("./screens/checkin.js"),
  reminders: () => import("./screens/reminders.js"),
  trends: () => import("./screens/trends.js"),
  settings: () => import("./screens/settings.js"),
  now: () => import("./screens/now.js"),
  moments: () => import("./screens/moments.js"),
  learn: () => import("./screens/learn.js"),
  reflect: () => import("./screens/reflect.js"),
  shifts: () => import("./screens/shifts.js"),
  answer: () => import("./screens/answer.js"),
  lock: () => import("./screens/lock.js"),
  hidden: () => import("./screens/lock.js").then((m) => ({ render: m.renderHidden })),
  forgot: () => import("./screens/account.js").then((m) => ({ render: m.renderForgot })),
  reset: () => import("./screens/account.js").then((m) => ({ render: m.renderReset })),
};
const PUBLIC = new Set(["welcome", "start", "now", "learn", "answer", "forgot", "reset", "hidden"]);
// What a locked app still shows: help now, Learn, a notification's answer, the neutral screen.
const OPEN_WHILE_LOCKED = new Set(["now", "learn", "answer", "hidden", "lock"]);
// Screens that work without a connection (and signed out): the worker keeps their data.
const OFFLINE = new Set(["now", "learn"]);
const TABBED = new Set(["today", "reminders", "trends", "settings", "moments"]);

/** Shared state handed to every screen. */
export const ctx = {
  user: null,
  /** The server locked this sign-in (app lock): only OPEN_WHILE_LOCKED screens show. */
  locked: false,
  /** Re-read the signed-in user (null when signed out). */
  async refreshUser() {
    try {
      ctx.user = (await get("/api/me")).user;
    } catch (error) {
      if (error.status === 423) return ctx.user;
      if (error.status !== 401) throw error;
      ctx.user = null;
    }
    return ctx.user;
  },
  /** Call after signing in or out: new session, new CSRF token. */
  async sessionChanged() {
    resetCsrf();
    await ctx.refreshUser();
    if (!ctx.user) await forgetPerson();
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

// Screens render one after another: a slow screen that finishes late must never paint
// over the one the person has moved on to (each render reads the address when it starts).
let rendering = Promise.resolve();
function show() {
  // Said at once, so the tabs and anything watching follow the address straight away.
  document.body.dataset.screen = target().name;
  rendering = rendering.then(showNow, showNow);
  return rendering;
}

/** The screen the address asks for, as this person may see it now. */
function target() {
  let { name, args, params } = parseHash();
  if (ctx.locked && !OPEN_WHILE_LOCKED.has(name)) name = "lock";
  if (!ctx.locked && name === "lock") name = "today";
  if (!ctx.user && !ctx.locked && !PUBLIC.has(name)) name = "welcome";
  if (ctx.user && (name === "" || name === "welcome")) name = "today";
  if (!SCREENS[name]) name = ctx.user ? "today" : "welcome";
  return { name, args, params };
}

async function showNow() {
  const { name, args, params } = target();
  markTab(name);
  document.body.dataset.screen = name;
  if (name === "checkin") clearBadge(); // the waiting check-in is open: no badge needed
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
    if (navigator.onLine) {
      flushQueuedAnswers();
      flushOutbox();
    }
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

/** No connection at start: "Need a moment?" and Learn still work; other screens wait. */
async function startOffline() {
  const waiting = () => {
    // The banner above says "You're offline"; the screen says what that means.
    mount(h("h1", {}, "Waiting for a connection"),
      h("p", {}, "Tend needs a connection to show your reminders and check-ins. " +
        "Anything you answered from a notification is kept and sent when you're back."),
      h("button", { type: "button", onclick: () => location.reload() }, "Try again"));
    document.getElementById("tabs").hidden = true;
  };
  // "Need a moment?" keeps what it needs on the device; an exercise is never cut short.
  const route = () => {
    if (OFFLINE.has(parseHash().name)) return show();
    if (navigator.onLine) return location.reload();
    return waiting();
  };
  addEventListener("hashchange", route);
  addEventListener("online", () => { if (parseHash().name !== "now") location.reload(); });
  await route();
}

/** The server said "locked": hide the person's people and show the lock screen. */
function locked() {
  if (ctx.locked) return;
  ctx.locked = true;
  forgetPeople();
  if (!OPEN_WHILE_LOCKED.has(parseHash().name)) show();
}

async function start() {
  onLocked(locked);
  document.getElementById("hide").addEventListener("click", () => hideNow(ctx));
  registerWorker();
  watchNetwork();
  try {
    await ctx.refreshUser();
  } catch (error) {
    if (!error.offline) throw error;
    await startOffline();
    return;
  }
  addEventListener("hashchange", show);
  if (ctx.user) inBackground(healSubscription()); // a dropped subscription comes back
  await show();
  if (ctx.user) {
    flushOutbox();
    // Keep what "Need a moment?" shows up to date on the device, for a later offline moment.
    rememberUser(ctx.user);
    inBackground(refreshPeople());
    inBackground(refreshLines());
  }
}

start();
