// Passkeys in the browser: ask the server for options, let the device make or use a
// passkey (with its screen lock, fingerprint or face), and hand the answer back. The
// browser's own JSON helpers do the encoding, so nothing here touches bytes.

import { get, post } from "./api.js";
import { field, h, onSubmit, removeButton, toast, when } from "./ui.js";

/** Whether Tend was opened by an IP address (`make run` prints 127.0.0.1), where
 * browsers refuse passkeys: they belong to a host name. */
function openedByAddress() {
  const host = location.hostname;
  return /^[0-9.]+$/.test(host) || host.includes(":");
}

/** Whether this browser, on this address, can use passkeys the way Tend asks for them. */
export function passkeysWork() {
  return !openedByAddress()
    && typeof window.PublicKeyCredential?.parseCreationOptionsFromJSON === "function";
}

/** Why the Passkeys card has nothing to offer here, in words a person can act on. */
function whyNoPasskeys() {
  if (!openedByAddress()) return h("p", { class: "muted" }, "This browser can't use passkeys.");
  const byName = `${location.protocol}//localhost${location.port ? `:${location.port}` : ""}/#/settings/passkeys`;
  return h("p", { class: "muted wrap" }, "Passkeys need Tend opened by its name, not by a number. ",
    location.hostname.startsWith("127.") ? h("a", { href: byName }, "Open it at localhost") : "Ask whoever runs it for its address.");
}

/** The device said no, or the person closed its prompt: say so plainly. */
function notUsed(error) {
  if (error?.name === "NotAllowedError" || error?.name === "AbortError") {
    return new Error("No passkey was used. You can try again.");
  }
  if (error?.name === "InvalidStateError") return new Error("This device already has a passkey for Tend.");
  return error;
}

async function answerFrom(optionsPath) {
  const options = await post(optionsPath);
  try {
    const credential = await navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options),
    });
    return credential.toJSON();
  } catch (error) {
    throw notUsed(error);
  }
}

/** Make a passkey on this device and keep it on the server. */
export async function addPasskey(name) {
  const options = await post("/api/auth/passkeys/register/options");
  let credential;
  try {
    credential = await navigator.credentials.create({
      publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
    });
  } catch (error) {
    throw notUsed(error);
  }
  return post("/api/auth/passkeys/register", { credential: credential.toJSON(), name: name || null });
}

/** Sign in with any passkey of this server; resolves to the server's answer. */
export async function signInWithPasskey() {
  return post("/api/auth/passkeys/login", { credential: await answerFrom("/api/auth/passkeys/login/options") });
}

/** Unlock the app lock with one of the person's passkeys. */
export async function unlockWithPasskey() {
  return post("/api/lock/unlock", { passkey: await answerFrom("/api/lock/unlock/options") });
}

/** The Settings card "Passkeys": what there is, remove one, add one. */
export async function passkeyCard(refresh) {
  const section = (...children) => h("section", { class: "card", id: "passkeys" }, h("h2", {}, "Passkeys"), ...children);
  if (!passkeysWork()) return section(whyNoPasskeys());
  const { passkeys } = await get("/api/auth/passkeys");
  const rows = passkeys.map((passkey) => {
    const remove = removeButton(passkey.name, `/api/auth/passkeys/${passkey.id}`, refresh, "Passkey removed.");
    return h("li", { class: "device" },
      h("span", {}, h("strong", {}, passkey.name), h("br"),
        h("span", { class: "hint" }, passkey.last_used_at ? `Last used ${when(passkey.last_used_at)}` : `Added ${when(passkey.created_at)}`)),
      remove);
  });
  const form = onSubmit(h("form", { novalidate: true },
    field("Name (optional)", h("input", { name: "name", maxlength: 80, placeholder: "My phone", autocomplete: "off" })),
    h("button", { type: "submit", class: "secondary" }, "Add a passkey")), async (data) => {
    await addPasskey((data.get("name") || "").trim());
    toast("Passkey added. You can sign in with it.");
    refresh();
  });
  return section(
    h("p", {}, "Sign in and unlock with this device's fingerprint, face or screen lock instead of typing."),
    rows.length ? h("ul", { class: "list" }, rows) : null,
    form);
}
