// What "Need a moment?" keeps on this device so it works offline: the crisis lines and
// the operator's resources (for anyone), and the signed-in person's support people and
// country. Personal parts are forgotten on sign-out.

import { get } from "./api.js";
import { clear as clearOutbox } from "./outbox.js";

const LINES = "tend.now.lines";
const COUNTRY = "tend.now.country";
const PEOPLE = "tend.now.people";
const SIGNED_IN = "tend.now.signed-in";

function read(key) {
  try { return JSON.parse(localStorage.getItem(key)); } catch { return null; }
}

function write(key, value) {
  try { localStorage.setItem(key, JSON.stringify(value)); } catch { /* storage full or off */ }
}

/** The crisis lines answer seen last ({crisis_lines, resources, countries, country}), or null. */
export const keptLines = () => read(LINES);

/** The support people kept for offline use: [{name, contact}]. */
export const keptPeople = () => read(PEOPLE) || [];

/** The country chosen on this device (or the signed-in person's), or null. */
export const keptCountry = () => read(COUNTRY);

/** Whether someone was signed in on this device when it last had a connection. */
export const signedInHere = () => Boolean(read(SIGNED_IN));

/** Remember the country whose lines come first. */
export function keepCountry(code) {
  write(COUNTRY, code || null);
}

/** Fetch the crisis lines (and resources) and keep them; the kept copy when offline. */
export async function refreshLines() {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const query = zone ? `?timezone=${encodeURIComponent(zone)}` : "";
  try {
    const answer = await get(`/api/support/crisis-lines${query}`);
    write(LINES, answer);
    return answer;
  } catch (error) {
    const kept = keptLines();
    if (kept) return kept;
    throw error;
  }
}

/** Fetch the signed-in person's support people and keep them; the kept copy when offline. */
export async function refreshPeople() {
  try {
    const answer = await get("/api/support/people");
    const people = (answer.people || []).map(({ name, contact }) => ({ name, contact }));
    write(PEOPLE, people);
    return people;
  } catch (error) {
    if (error.status === 401) return [];
    if (error.status === 423) { forgetPeople(); return []; }
    return keptPeople();
  }
}

/** Note who is here: a signed-in person's country becomes this device's choice. */
export function rememberUser(user) {
  if (!user) return;
  write(SIGNED_IN, true);
  if (user.country) keepCountry(user.country);
}

/** While the app is locked the person's own people are not on the device (back on unlock). */
export function forgetPeople() {
  try { localStorage.removeItem(PEOPLE); } catch { /* storage off */ }
}

/** On sign-out: forget the person's people, country, flag and waiting changes. */
export async function forgetPerson() {
  for (const key of [PEOPLE, SIGNED_IN, COUNTRY]) {
    try { localStorage.removeItem(key); } catch { /* storage off */ }
  }
  try { await clearOutbox(); } catch { /* no IndexedDB: nothing was kept */ }
}

/** Digits of a contact that looks like a phone number ("+44 7700 900123"), else null. */
export function phoneNumber(contact) {
  const text = String(contact || "").trim();
  if (!/^\+?[\d\s().\-/]+$/.test(text)) return null;
  const digits = text.replace(/[^\d+]/g, "");
  return digits.replace(/\+/g, "").length >= 3 ? digits : null;
}
