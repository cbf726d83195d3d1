// Your account: change the password, sign out everywhere, a new recovery code; and the
// ways back in for someone who forgot their password (recovery code, or a link by email).

import { ApiError, get, post } from "../api.js";
import { busy, card, field, h, mount, onSubmit, toast } from "../ui.js";

const NEW_PASSWORD_HINT = "At least 10 characters. A short sentence works well.";

function passwordField(label, name, autocomplete, hint) {
  return field(label, h("input", {
    type: "password", name, autocomplete, required: true,
    ...(autocomplete === "new-password" ? { minlength: 10 } : {}),
  }), hint);
}

/** How this server lets people in: {registration, email_reset} (safe defaults offline). */
async function authOptions() {
  try { return await get("/api/auth/options"); } catch { return { registration: "open", email_reset: false }; }
}

/** The recovery code with what it is for and an "I've saved it" button. */
export function recoveryCodeBlock(code, onSaved) {
  const copied = h("p", { role: "status", class: "muted" });
  const copy = h("button", { type: "button", class: "secondary", onclick: async () => {
    try {
      await navigator.clipboard.writeText(code);
      copied.textContent = "Copied.";
    } catch {
      copied.textContent = "Copying isn't allowed here. Please write it down instead.";
    }
  } }, "Copy");
  return [
    h("p", {}, "If you ever forget your password, this code lets you back in. " +
      "Tend shows it only now, so keep it somewhere safe, like a password manager or on paper."),
    h("p", { class: "recovery-code", translate: "no", "aria-label": "Recovery code" }, code),
    h("div", { class: "row" }, copy), copied,
    h("button", { type: "button", class: "wide", onclick: onSaved }, "I've saved it"),
  ];
}

/** A screen of its own for the code given at sign-up; `next` runs after "I've saved it". */
export function showRecoveryCode(code, next) {
  mount(h("h1", {}, "Your recovery code"), card(null, ...recoveryCodeBlock(code, next)));
}

/** Sign-up's extra field when the server wants an invite code (or a note when closed). */
export async function adaptSignUp(form) {
  const { registration } = await authOptions();
  if (registration === "invite") {
    form.querySelector("button[type=submit]").before(field("Invite code",
      h("input", { name: "invite_code", autocomplete: "off", required: true }),
      "The people who run this Tend server give these out."));
  } else if (registration === "closed") {
    form.before(h("p", { class: "form-error" },
      "This Tend server is not taking new sign-ups. Ask the people who run it."));
  }
}

function changePasswordForm() {
  const form = h("form", { novalidate: true },
    passwordField("Current password", "current_password", "current-password"),
    passwordField("New password", "new_password", "new-password", NEW_PASSWORD_HINT),
    h("button", { type: "submit" }, "Change password"));
  return onSubmit(form, async (data) => {
    await post("/api/auth/password", {
      current_password: data.get("current_password"), new_password: data.get("new_password"),
    });
    form.reset();
    form.closest("details").open = false;
    toast("Password changed. Your other devices are signed out.");
  });
}

function signOutEverywhere(ctx) {
  const button = h("button", { type: "button", class: "secondary", onclick: () => busy(button, async () => {
    await post("/api/auth/logout-all");
    await ctx.sessionChanged();
    toast("Signed out on every device.");
    ctx.go("welcome");
  }) }, "Sign out on every device");
  return [h("p", {}, "Lost a phone, or used a shared computer? This signs you out everywhere, here too."),
    button];
}

function newRecoveryCodeForm() {
  const holder = h("div", {});
  const form = onSubmit(h("form", { novalidate: true },
    h("p", {}, "Your old code stops working when you make a new one."),
    passwordField("Your password", "password", "current-password"),
    h("button", { type: "submit" }, "Make a new code")), async (data) => {
    const answer = await post("/api/auth/recovery-code", { password: data.get("password") });
    holder.replaceChildren(...recoveryCodeBlock(answer.recovery_code, () => {
      holder.closest("details").open = false;
      form.reset();
      holder.replaceChildren(form);
    }));
  });
  holder.append(form);
  return holder;
}

function fold(title, ...content) {
  return h("details", { class: "adjust" }, h("summary", {}, title), ...content);
}

/** Settings' "Your account" section. */
export function yourAccountCard(ctx) {
  return card("Your account",
    fold("Change password", changePasswordForm()),
    fold("Sign out everywhere", ...signOutEverywhere(ctx)),
    fold("New recovery code", newRecoveryCodeForm()));
}

function recoverForm(ctx) {
  return onSubmit(h("form", { novalidate: true },
    field("Email", h("input", { type: "email", name: "email", autocomplete: "username", required: true })),
    field("Recovery code", h("input", {
      name: "recovery_code", autocomplete: "off", autocapitalize: "characters", spellcheck: "false", required: true,
    }), "The code Tend showed you when you signed up."),
    passwordField("New password", "new_password", "new-password", NEW_PASSWORD_HINT),
    h("button", { type: "submit", class: "wide" }, "Set new password")), async (data) => {
    await post("/api/auth/recover", {
      email: data.get("email"), recovery_code: data.get("recovery_code"), new_password: data.get("new_password"),
    });
    await ctx.sessionChanged();
    toast("You're back in. Any other devices were signed out.");
    ctx.go("today");
  });
}

function emailResetForm() {
  const status = h("p", { role: "status" });
  const form = onSubmit(h("form", { class: "stack", novalidate: true },
    field("Email", h("input", { type: "email", name: "email", autocomplete: "username", required: true })),
    h("button", { type: "submit", class: "secondary wide" }, "Email me a link"), status), async (data) => {
    await post("/api/auth/reset-request", { email: data.get("email") });
    status.textContent = "If an account uses this address, a link is on its way. It works for one hour.";
  });
  return form;
}

/** #/forgot: back in with the recovery code, or by email when the server offers it. */
export async function renderForgot(ctx) {
  const { email_reset: emailReset } = await authOptions();
  mount(
    h("h1", {}, "Forgot your password?"),
    h("p", {}, "You can get back in with your recovery code and choose a new password."),
    card(null, recoverForm(ctx)),
    emailReset
      ? card("No recovery code?", h("p", {}, "We can email you a link to set a new password."), emailResetForm())
      : h("p", { class: "muted" }, "Lost the code too? The people who run this Tend server can help."),
    h("p", {}, h("a", { href: "#/welcome", class: "tap-link" }, "Back to sign in")),
  );
}

/** #/reset/<token>: choose a new password from an emailed link. */
export async function renderReset(ctx, args) {
  const token = args[0] || "";
  const form = onSubmit(h("form", { novalidate: true },
    passwordField("New password", "new_password", "new-password", NEW_PASSWORD_HINT),
    h("button", { type: "submit", class: "wide" }, "Set new password")), async (data) => {
    try {
      await post("/api/auth/reset", { token, new_password: data.get("new_password") });
    } catch (error) {
      if (error instanceof ApiError && error.code === "invalid_token") {
        form.replaceWith(h("div", {}, h("p", { role: "alert" }, error.message),
          h("a", { class: "button wide", href: "#/forgot" }, "Ask for a new link")));
        return;
      }
      throw error;
    }
    await ctx.sessionChanged();
    toast("Your new password is set. Any other devices were signed out.");
    ctx.go("today");
  });
  mount(h("h1", {}, "Choose a new password"), card(null, form),
    h("p", {}, h("a", { href: "#/welcome", class: "tap-link" }, "Back to sign in")));
}
