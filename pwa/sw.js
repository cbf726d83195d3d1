/* Tend's service worker (one classic script): the offline shell, notifications with
   answer buttons, answers that wait in IndexedDB while offline, and re-subscribing. */
"use strict";

// The server appends a digest of the shell's files here, so any change to them is a new
// worker with a new cache: no manual bump needed.
const VERSION = "1";
const SHELL_CACHE = `tend-shell-${VERSION}`;
// Precached at install: what a first visit shows and what works offline and signed out
// ("Need a moment?", Learn). Every other screen is kept the first time it loads (see
// cacheFirst), so a first visit stays small on a phone.
const SHELL = [
  "/",
  "/manifest.webmanifest",
  "/css/app.css",
  "/js/app.js",
  "/js/api.js",
  "/js/ui.js",
  "/js/push.js",
  "/js/heal.js",
  "/js/kept.js",
  "/js/outbox.js",
  "/js/screens/welcome.js",
  "/js/passkeys.js",
  "/js/screens/now.js",
  "/js/exercises.js",
  "/js/screens/learn.js",
  "/js/offer.js",
  "/js/screens/lock.js",
  "/icons/favicon-32.png",
  "/icons/icon-192.png",
  "/icons/badge-96.png",
  "/icons/now-96.png",
];
const OUTBOX_DB = "tend";
const OUTBOX_STORE = "answers";
const SYNC_TAG = "tend-answers";

/* ---- Shell: precache, clean up, serve ---------------------------------------------- */

async function precacheShell() {
  const cache = await caches.open(SHELL_CACHE);
  // "no-cache" revalidates with the server, so a new version never caches stale files.
  await cache.addAll(SHELL.map((url) => new Request(url, { cache: "no-cache" })));
  await self.skipWaiting();
}

async function removeOldCaches() {
  const names = await caches.keys();
  await Promise.all(names.filter((name) => name.startsWith("tend-shell-") && name !== SHELL_CACHE)
    .map((name) => caches.delete(name)));
  await self.clients.claim();
  await flushOutbox().catch(() => 0);
}

function isApi(url) {
  return url.pathname.startsWith("/api/") || url.pathname === "/api" ||
    ["/healthz", "/readyz", "/metrics"].includes(url.pathname);
}

async function shellFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const shell = await cache.match("/");
  if (shell) return shell;
  return fetch(request);
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") {
    // Kept in this version's cache: the cache's name follows a digest of every shell file,
    // so a kept copy can never outlive the version it belongs to.
    const copy = response.clone();
    caches.open(SHELL_CACHE).then((cache) => cache.put(request, copy)).catch(() => {});
  }
  return response;
}

/* ---- Learn: cards kept for reading offline ------------------------------------------ */

// The cards hold no personal data. The copy kept is fetched without the session, so it
// has the neutral words ("the people you help") rather than anyone's role.
const LEARN_CACHE = "tend-learn";
// Refresh the kept copy at most this often while the worker stays awake (cards rarely change).
const LEARN_REFRESH_MS = 6 * 3600e3;
let learnKeptAt = 0;
const isLearn = (url) => url.pathname === "/api/learn" || url.pathname.startsWith("/api/learn/");

async function keepNeutral(path) {
  const response = await fetch(path, { credentials: "omit", cache: "no-store" });
  if (response.ok) await (await caches.open(LEARN_CACHE)).put(path, response.clone());
  return response;
}

/** Keep the list and every card; run at install and whenever the list is read online. */
async function keepAllCards() {
  const list = await keepNeutral("/api/learn");
  if (!list.ok) return;
  const { cards = [] } = await list.json();
  await Promise.all(cards.map((card) => keepNeutral(`/api/learn/${encodeURIComponent(card.id)}`)));
}

async function learnFromNetworkOrKept(event, url) {
  try {
    const response = await fetch(event.request);
    if (response.ok && url.pathname === "/api/learn" && Date.now() - learnKeptAt > LEARN_REFRESH_MS) {
      learnKeptAt = Date.now();
      event.waitUntil(keepAllCards().catch(() => {}));
    }
    return response;
  } catch (error) {
    const kept = await caches.match(url.pathname, { cacheName: LEARN_CACHE });
    if (kept) return kept;
    throw error;
  }
}

function handleFetch(event) {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method === "GET" && url.origin === self.location.origin && isLearn(url)) {
    event.respondWith(learnFromNetworkOrKept(event, url));
    return;
  }
  if (request.method !== "GET" || url.origin !== self.location.origin || isApi(url)) return;
  if (url.pathname === "/sw.js") return;
  if (request.mode === "navigate") event.respondWith(shellFirst(request));
  else event.respondWith(cacheFirst(request));
}

/* ---- Push: show the notification ----------------------------------------------------- */

// Shown when a push cannot be read: every push must show something, or the platform
// counts a strike against the subscription (iOS revokes it after a few).
const GENTLE = { title: "Tend", body: "Something is waiting for you in Tend, whenever you have a moment." };

/** Parse a push body: Declarative Web Push JSON; anything unreadable gives the gentle one. */
function parsePush(data) {
  let message = null;
  try {
    message = data ? data.json() : null;
  } catch (_) { /* not JSON, or not decryptable text */ }
  const n = message && typeof message === "object" && !Array.isArray(message) ? message.notification : null;
  if (!n || typeof n !== "object" || typeof n.title !== "string" || !n.title.trim()) {
    return { notification: { ...GENTLE, navigate: "/" } };
  }
  return message;
}

/** The notification options for a parsed push message. */
function notificationOptions(message) {
  const n = message.notification || {};
  const max = (self.Notification && Notification.maxActions) || 2;
  const actions = (n.actions || message.actions || []).slice(0, max)
    .map((a) => ({ action: a.action, title: a.title }));
  return {
    body: n.body || "",
    tag: n.tag || undefined,
    lang: n.lang || undefined,
    silent: Boolean(n.silent),
    renotify: Boolean(n.tag),
    icon: n.icon || "/icons/icon-192.png",
    badge: n.badge || "/icons/badge-96.png",
    timestamp: n.timestamp || Date.now(),
    actions,
    data: {
      navigate: n.navigate || "/",
      answer_token: message.answer_token || null,
      delivery_id: message.delivery_id || null,
      actions: n.actions || message.actions || [],
    },
  };
}

/** A check-in waiting for an answer sets a gentle badge on the app icon (where supported). */
async function setBadge(message) {
  const count = Number(message.app_badge);
  if (!Number.isInteger(count) || count < 1 || !("setAppBadge" in self.navigator)) return;
  try { await self.navigator.setAppBadge(count); } catch (_) { /* not installed, or not allowed */ }
}

function clearBadge() {
  if ("clearAppBadge" in self.navigator) return self.navigator.clearAppBadge().catch(() => {});
  return Promise.resolve();
}

async function showPushNotification(data) {
  const message = parsePush(data);
  try {
    await self.registration.showNotification(message.notification.title, notificationOptions(message));
  } catch (_) {
    // Options this browser refuses (an odd action or icon): still show something.
    await self.registration.showNotification(GENTLE.title, { body: GENTLE.body, data: { navigate: "/" } });
  }
  await setBadge(message);
  await flushOutbox().catch(() => {});
  await refreshSubscriptionDaily().catch(() => false);
}

function handlePush(event) {
  event.waitUntil(showPushNotification(event.data));
}

/* ---- Answers: post now, or keep until the network is back --------------------------- */

/** The body for an action name: "answer:4" → {value: 4}; "done" → {action: "done"}. */
function answerBody(actionName) {
  const match = /^answer:(-?\d+)$/.exec(actionName);
  return match ? { value: Number(match[1]) } : { action: actionName };
}

function openOutbox() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(OUTBOX_DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(OUTBOX_STORE, { keyPath: "id", autoIncrement: true });
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

async function withStore(mode, work) {
  const db = await openOutbox();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(OUTBOX_STORE, mode);
      const result = work(tx.objectStore(OUTBOX_STORE));
      tx.oncomplete = () => resolve(result.result);
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** Every answer still waiting to be sent: [{id, token, body, queued_at}]. */
function queuedAnswers() {
  return withStore("readonly", (store) => store.getAll());
}

function queueAnswer(token, body) {
  return withStore("readwrite", (store) => store.add({ token, body, queued_at: new Date().toISOString() }));
}

function dropAnswer(id) {
  return withStore("readwrite", (store) => store.delete(id));
}

/** POST one answer; resolves to the HTTP status, or 0 when there is no network. */
async function sendAnswer(token, body) {
  try {
    const response = await fetch(`/api/deliveries/${encodeURIComponent(token)}/answer`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
    });
    return response.status;
  } catch (_) {
    return 0;
  }
}

/** Worth another try later: no network, rate-limited, or a server hiccup. */
function shouldRetry(status) {
  return status === 0 || status === 429 || status >= 500;
}

async function askForSync() {
  try {
    if (self.registration.sync) await self.registration.sync.register(SYNC_TAG);
  } catch (_) { /* no Background Sync here: the next open or start flushes instead */ }
}

/**
 * Record a notification answer: `actionName` is "answer:<n>", "done", "snooze" or
 * "day_done". Resolves to {status: "sent"|"queued"|"rejected", code}.
 */
async function postAnswer(token, actionName) {
  const body = answerBody(actionName);
  const code = await sendAnswer(token, body);
  if (code >= 200 && code < 300) return { status: "sent", code };
  if (shouldRetry(code)) {
    await queueAnswer(token, body);
    await askForSync();
    return { status: "queued", code };
  }
  return { status: "rejected", code }; // used, expired or unknown: retrying cannot help
}

let flushing = null;
/** Send every queued answer; keeps those that still cannot go. Resolves to how many went. */
function flushOutbox() {
  flushing ||= (async () => {
    let sent = 0;
    for (const item of await queuedAnswers()) {
      const code = await sendAnswer(item.token, item.body);
      if (shouldRetry(code)) throw new Error(`answers still waiting (status ${code})`);
      await dropAnswer(item.id);
      if (code >= 200 && code < 300) sent += 1;
    }
    return sent;
  })().finally(() => { flushing = null; });
  return flushing;
}

/* ---- Notification taps ---------------------------------------------------------------- */

async function openOrFocus(navigate) {
  const target = new URL(navigate || "/", self.location.origin);
  if (target.origin !== self.location.origin) target.href = self.location.origin + "/";
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of windows) {
    if (new URL(client.url).origin === target.origin && "focus" in client) {
      if (client.url !== target.href && "navigate" in client) {
        try { await client.navigate(target.href); } catch (_) { /* uncontrolled window */ }
      }
      try {
        return await client.focus();
      } catch (_) {
        return client; // focusing needs the tap's user activation; the page moved anyway
      }
    }
  }
  return self.clients.openWindow(target.href);
}

async function respondToClick(notification, action) {
  const data = notification.data || {};
  notification.close();
  if (data.answer_token) await clearBadge(); // answered or opened: no longer waiting
  if (action && data.answer_token) {
    const result = await postAnswer(data.answer_token, action);
    if (result.status === "rejected") await openOrFocus(data.navigate);
    return;
  }
  const chosen = (data.actions || []).find((a) => a.action === action);
  await openOrFocus((chosen && chosen.navigate) || data.navigate);
}

function handleNotificationClick(event) {
  event.waitUntil(respondToClick(event.notification, event.action));
}

/* ---- Background Sync, page messages, subscription changes ----------------------------- */

function handleSync(event) {
  if (event.tag === SYNC_TAG) event.waitUntil(flushOutbox());
}

function handleMessage(event) {
  if (event.data && event.data.type === "flush-answers") {
    event.waitUntil(flushOutbox().catch(() => 0));
  }
}

function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/** Subscribe again with the server's key and register the new subscription. */
async function resubscribe() {
  const keyResponse = await fetch("/api/push/public-key", { credentials: "same-origin" });
  const { public_key: key } = await keyResponse.json();
  const subscription = await self.registration.pushManager.subscribe({
    userVisibleOnly: true, applicationServerKey: keyBytes(key),
  });
  await postSubscription(subscription);
}

/** Tell the server about this browser's subscription (signed in: the session's cookie). */
async function postSubscription(subscription) {
  const csrf = await (await fetch("/api/csrf", { credentials: "same-origin" })).json();
  return fetch("/api/push/subscriptions", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf.csrf_token },
    body: JSON.stringify(subscription.toJSON()),
  });
}

const STATE_CACHE = "tend-state";
const SEEN_KEY = "/__tend/subscription-posted";
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * At most once a day, when a push arrives, post this browser's subscription again so the
 * server knows the device is alive (people who answer from notifications may never open
 * the app). A missing subscription is left to the page, which replaces it on its next start.
 */
async function refreshSubscriptionDaily(now = Date.now()) {
  const cache = await caches.open(STATE_CACHE);
  const last = await cache.match(SEEN_KEY);
  if (last && now - Number(await last.text()) < DAY_MS) return false;
  const subscription = await self.registration.pushManager.getSubscription();
  if (!subscription) return false;
  const response = await postSubscription(subscription);
  // Signed out (401), trying again at every push would only cost requests; the page
  // posts the subscription itself at the next sign-in.
  if (response.ok || response.status === 401) await cache.put(SEEN_KEY, new Response(String(now)));
  return response.ok;
}

function handleSubscriptionChange(event) {
  event.waitUntil(resubscribe());
}

self.addEventListener("install", (event) => event.waitUntil(precacheShell()));
self.addEventListener("install", (event) => {
  learnKeptAt = Date.now();
  event.waitUntil(keepAllCards().catch(() => {}));
});
self.addEventListener("activate", (event) => event.waitUntil(removeOldCaches()));
self.addEventListener("fetch", handleFetch);
self.addEventListener("push", handlePush);
self.addEventListener("notificationclick", handleNotificationClick);
self.addEventListener("sync", handleSync);
self.addEventListener("message", handleMessage);
self.addEventListener("pushsubscriptionchange", handleSubscriptionChange);

// A worker that starts for any reason (a push, a tap, a page) sends what waited.
flushOutbox().catch(() => {});
