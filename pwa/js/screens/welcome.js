// Welcome: what Tend is, in two lines, a way to start, and sign-in for returning people.

import { post } from "../api.js";
import { passkeysWork, signInWithPasskey } from "../passkeys.js";
import { busy, card, field, h, mount, onSubmit, showError } from "../ui.js";

/** Render the welcome and sign-in screen. */
export function render(ctx) {
  const form = onSubmit(h("form", { class: "stack", novalidate: true },
    field("Email", h("input", { type: "email", name: "email", autocomplete: "username", required: true })),
    field("Password", h("input", {
      type: "password", name: "password", autocomplete: "current-password", required: true,
    })),
    h("button", { type: "submit", class: "wide" }, "Sign in")), async (data) => {
    await post("/api/auth/login", { email: data.get("email"), password: data.get("password") });
    await ctx.sessionChanged();
    ctx.go("today");
  });
  const withPasskey = passkeysWork() ? h("button", {
    type: "button", class: "secondary wide", onclick: () => busy(withPasskey, async () => {
      await signInWithPasskey();
      await ctx.sessionChanged();
      ctx.go("today");
    }, (error) => showError(form, error)),
  }, "Sign in with a passkey") : null;
  mount(
    h("h1", {}, "Welcome to Tend"),
    h("p", {}, "Small check-ins and gentle reminders for people who care for others. " +
      "A minute a day to notice how the work is sitting with you."),
    h("a", { class: "button wide", href: "#/start" }, "Get started"),
    h("p", {}, h("a", { href: "#/now" }, "Need a moment now? Breathing, grounding and people to call, no account needed")),
    card("Already have an account?", form, withPasskey && h("p", { class: "or-passkey" }, withPasskey),
      h("p", {}, h("a", { href: "#/forgot", class: "tap-link" }, "Forgot your password?"))),
    h("p", {}, h("a", { href: "#/learn" }, "Short reads on how this work affects people")),
    h("p", { class: "muted" }, "Tend is a companion, not a diagnosis. Your answers stay on " +
      "this server and you can export or delete them at any time."),
  );
}
