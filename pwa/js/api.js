// The one door to Tend's HTTP API: JSON in and out, the CSRF header on every change,
// and errors turned into ApiError carrying the server's message for a person.

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
let csrfToken = null;

/** An API answer that was not 2xx, or no answer at all (offline). */
export class ApiError extends Error {
  constructor(status, code, message, fields = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields || {};
  }
  get offline() { return this.status === 0; }
}

let lockedHandler = () => {};

/** Called whenever the server answers 423 `locked` (the app lock took over). */
export function onLocked(handler) { lockedHandler = handler; }

/** Forget the CSRF token; the next change fetches a fresh one (after login/logout). */
export function resetCsrf() { csrfToken = null; }

async function fetchCsrf() {
  const answer = await request("GET", "/api/csrf");
  csrfToken = answer.csrf_token;
  return csrfToken;
}

async function send(method, path, body, type) {
  const headers = { Accept: "application/json" };
  // A file goes as it is, with its own type; anything else as JSON.
  const raw = body instanceof Blob;
  if (body !== undefined) headers["Content-Type"] = raw ? type : "application/json";
  if (MUTATING.has(method)) headers["X-CSRF-Token"] = csrfToken || (await fetchCsrf());
  try {
    return await fetch(path, {
      method, headers, credentials: "same-origin",
      body: body === undefined || raw ? body : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "offline", "You seem to be offline. Please try again when you're connected.");
  }
}

async function readError(response) {
  let error = {};
  try { error = (await response.json()).error || {}; } catch { /* not JSON */ }
  const fallback = response.status >= 500
    ? "Something went wrong on our side. Please try again in a moment."
    : "That didn't work. Please try again.";
  return new ApiError(response.status, error.code || "http_" + response.status,
    error.message || fallback, error.fields);
}

/** Call the API; resolves to the parsed JSON (or null for 204), rejects with ApiError. */
export async function request(method, path, body, type) {
  let response = await send(method, path, body, type);
  if (response.status === 403 && MUTATING.has(method)) {
    const error = await readError(response.clone());
    if (error.code === "csrf_failed") {
      await fetchCsrf();
      response = await send(method, path, body, type);
    }
  }
  if (response.status === 423) lockedHandler();
  if (!response.ok) throw await readError(response);
  if (response.status === 204) return null;
  const answerType = response.headers.get("Content-Type") || "";
  return answerType.includes("json") ? response.json() : null;
}

export const get = (path) => request("GET", path);
export const post = (path, body = {}) => request("POST", path, body);
export const patch = (path, body) => request("PATCH", path, body);
export const del = (path, body) => request("DELETE", path, body);
/** POST a file (a Blob) as its own body, sent with Content-Type ``type``. */
export const postFile = (path, file, type) => request("POST", path, file, type);

/** GET that answers null when the route does not exist (yet) instead of failing. */
export async function getOptional(path) {
  try { return await get(path); } catch (error) {
    if (error.status === 404 || error.status === 405) return null;
    throw error;
  }
}
