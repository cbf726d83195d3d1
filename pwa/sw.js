/* Tend's service worker (one classic script): the offline shell, notifications with
   answer buttons, answers that wait in IndexedDB while offline, and re-subscribing. */
"use strict";

// The server appends a digest of the shell's files here, so any change to them is a new
// worker with a new cache: no manual bump needed.
const VERSION = "1";
const SHELL_CACHE = `tend-shell-${VERSION}`;
const SHELL = [
  "/",
  "/manifest.webmanifest",
  "/css/app.css",
  "/js/app.js",
  "/js/api.js",
  "/js/ui.js",
  "/js/push.js",
  "/js/presets.js",
  "/js/charts.js",
  "/js/schedule.js",
  "/js/screens/welcome.js",
  "/js/screens/onboarding.js",
  "/js/screens/today.js",
  "/js/screens/checkin.js",
  "/js/screens/reminders.js",
  "/js/screens/trends.js",
  "/js/screens/settings.js",
  "/icons/favicon-32.png",
  "/icons/icon-192.png",
  "/icons/badge-96.png",
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
  return url.pathname.startsWith("/api/") || url.pathname === "/api" || url.pathname === "/healthz";
}

async function shellFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const shell = await cache.match("/");
  if (shell) return shell;
  return fetch(request);
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { ignoreSearch: true });
  return cached || fetch(request);
}

function handleFetch(event) {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || isApi(url)) return;
  if (url.pathname === "/sw.js") return;
  if (request.mode === "navigate") event.respondWith(shellFirst(request));
  else event.respondWith(cacheFirst(request));
}

/* ---- Push: show the notification ----------------------------------------------------- */

/** Parse a push body: Declarative Web Push JSON, or plain text as the body. */
function parsePush(data) {
  if (!data) return { notification: { title: "Tend", body: "" } };
  try {
    const message = data.json();
    if (message && typeof message === "object") return message;
  } catch (_) { /* not JSON */ }
  return { notification: { title: "Tend", body: data.text() } };
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

async function showPushNotification(data) {
  const message = parsePush(data);
  const title = (message.notification && message.notification.title) || "Tend";
  await self.registration.showNotification(title, notificationOptions(message));
  await flushOutbox().catch(() => {});
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
  const csrf = await (await fetch("/api/csrf", { credentials: "same-origin" })).json();
  await fetch("/api/push/subscriptions", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf.csrf_token },
    body: JSON.stringify(subscription.toJSON()),
  });
}

function handleSubscriptionChange(event) {
  event.waitUntil(resubscribe());
}

self.addEventListener("install", (event) => event.waitUntil(precacheShell()));
self.addEventListener("activate", (event) => event.waitUntil(removeOldCaches()));
self.addEventListener("fetch", handleFetch);
self.addEventListener("push", handlePush);
self.addEventListener("notificationclick", handleNotificationClick);
self.addEventListener("sync", handleSync);
self.addEventListener("message", handleMessage);
self.addEventListener("pushsubscriptionchange", handleSubscriptionChange);

// A worker that starts for any reason (a push, a tap, a page) sends what waited.
flushOutbox().catch(() => {});
