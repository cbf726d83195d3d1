// Reminder schedules in plain words, shared by the reminders list and the program cards.

import { WEEKDAYS, wallTime, when } from "./ui.js";

/** The time-off program's planner: stored as a one-off that the server moves on each month. */
export function isMonthlyPlanner(kind, preset) {
  return kind === "timeoff" && preset === "timeoff";
}

/** A schedule in plain words: "Weekdays at 17:30", "Every 90 minutes during work".
 *  `monthly` marks the time-off planner, so it is not called a one-off. */
export function describeSchedule(schedule = {}, { monthly = false } = {}) {
  if (schedule.type === "daily") {
    const days = [...(schedule.days || [])].sort();
    let which = days.map((d) => WEEKDAYS[d]).join(", ");
    if (days.length === 7) which = "Every day";
    else if (days.join() === "0,1,2,3,4") which = "Weekdays";
    else if (days.join() === "5,6") which = "Weekends";
    return `${which} at ${wallTime(schedule.time)}`;
  }
  if (schedule.type === "interval") {
    return `Every ${schedule.every_minutes} minutes during work hours`;
  }
  if (schedule.type === "once" && monthly) {
    return `Once a month while no time off is planned; next ${when(schedule.at)}`;
  }
  if (schedule.type === "once") return `Once, ${when(schedule.at)}`;
  return "";
}
