// The "Your country" setting: whose crisis lines come first. A plain select of every
// ISO 3166 country, the one from the time zone preselected until the person chooses.

import { patch } from "./api.js";
import { keepCountry, refreshLines } from "./kept.js";
import { card, failedCard, field, h, toast } from "./ui.js";

/** The settings card for the user's country (saying so when the list cannot be loaded). */
export async function countryCard(ctx) {
  let data;
  try {
    data = await refreshLines();
  } catch (error) {
    return failedCard("Your country", error);
  }
  const select = h("select", { name: "country" },
    h("option", { value: "", selected: !ctx.user.country }, "Not chosen"),
    (data.countries || []).map((c) =>
      h("option", { value: c.code, selected: c.code === ctx.user.country }, c.name)));
  select.addEventListener("change", async () => {
    try {
      ctx.user = (await patch("/api/me", { country: select.value || null })).user;
      keepCountry(ctx.user.country);
      toast("Saved.");
    } catch (error) {
      toast(error.message);
    }
  });
  const section = card("Your country",
    field("Country", select, "Its crisis line is shown first when you need someone to talk to."));
  section.id = "country";
  return section;
}
