// One outbox for changes made while offline: {method, path, body, client_id} kept in
// IndexedDB and sent in order when the network is back and when the app starts. Any
// feature can use it; the server stores a repeated client_id only once, so sending an
// item twice (a flush cut short) is harmless.

import { request } from "./api.js";

const DB_NAME = "tend-outbox";
const STORE = "requests";

function openDb() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: "client_id" });
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

async function withStore(mode, work) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result?.result);
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** A fresh id that lets the server recognise the same change sent twice. */
export function newClientId() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

/** Everything still waiting, oldest first: [{method, path, body, client_id, queued_at}]. */
export async function pending() {
  const items = (await withStore("readonly", (store) => store.getAll())) || [];
  return items.sort((a, b) => a.queued_at.localeCompare(b.queued_at));
}

function keep(item) {
  return withStore("readwrite", (store) => store.put(item));
}

function drop(clientId) {
  return withStore("readwrite", (store) => store.delete(clientId));
}

/** Forget every waiting change (on sign-out: they belong to the person who left). */
export function clear() {
  return withStore("readwrite", (store) => store.clear());
}

/** Worth another try later: offline, rate-limited, or the server had a hiccup. */
const retryLater = (error) => error.status === 0 || error.status === 429 || error.status >= 500;

/**
 * Send a change now, or keep it for later when that cannot work right now. The body
 * gets a `client_id` (unless it has one). Resolves to {status: "sent"|"queued", answer}.
 */
export async function send(method, path, body = {}) {
  const item = {
    method, path, body: { ...body, client_id: body.client_id || newClientId() },
    queued_at: new Date().toISOString(),
  };
  item.client_id = item.body.client_id;
  try {
    return { status: "sent", answer: await request(method, path, item.body) };
  } catch (error) {
    if (!retryLater(error)) throw error;
    await keep(item);
    return { status: "queued", answer: null };
  }
}

let flushing = null;
/** Send what waited, in order; stops at the first that still cannot go. Resolves to how many went. */
export function flush() {
  flushing ||= (async () => {
    let sent = 0;
    for (const item of await pending()) {
      try {
        await request(item.method, item.path, item.body);
        sent += 1;
      } catch (error) {
        if (retryLater(error)) break;
        // Refused for good (signed out, no longer valid): retrying cannot help.
      }
      await drop(item.client_id);
    }
    return sent;
  })().catch(() => 0).finally(() => { flushing = null; });
  return flushing;
}
