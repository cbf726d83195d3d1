// Reminder schedules in plain words, shared by the reminders list and the program cards.

import { WEEKDAYS, wallTime, when } from "./ui.js";

const ORDINALS = { 1: "first", 2: "second", 3: "third", 4: "fourth" };
const DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/** The time-off program's planner: a monthly reminder that stays quiet while time off is planned. */
export function isMonthlyPlanner(kind, preset) {
  return kind === "timeoff" && preset === "timeoff";
}

/** A schedule in plain words: "Weekdays at 17:30", "Every 90 minutes during work",
 *  "The last Friday of each month at 18:00".
 *  `monthly` marks the time-off planner, which says when it stays quiet. */
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
  if (schedule.type === "monthly") {
    const which = schedule.week === -1 ? "last" : ORDINALS[schedule.week];
    const text = `The ${which} ${DAY_NAMES[schedule.weekday]} of each month at ${wallTime(schedule.time)}`;
    return monthly ? `${text}, while no time off is planned` : text;
  }
  if (schedule.type === "once") return `Once, ${when(schedule.at)}`;
  return "";
}
