// Welcome: what Tend is, in two lines, a way to start, and sign-in for returning people.

import { post } from "../api.js";
import { card, field, h, mount, onSubmit } from "../ui.js";

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
  mount(
    h("h1", {}, "Welcome to Tend"),
    h("p", {}, "Small check-ins and gentle reminders for people who care for others. " +
      "A minute a day to notice how the work is sitting with you."),
    h("a", { class: "button wide", href: "#/start" }, "Get started"),
    card("Already have an account?", form),
    h("p", { class: "muted" }, "Tend is a companion, not a diagnosis. Your answers stay on " +
      "this server and you can export or delete them at any time."),
  );
}
