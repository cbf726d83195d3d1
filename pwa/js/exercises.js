// The short exercises of "Need a moment?", in our own words. Each takes one to three
// minutes and has a clear end. Breathing is timed; the others go one step at a time.

/** Paced breathing: in for 4 seconds, out for 6, nine times (90 seconds; the screen says "nine"). */
export const BREATHING = {
  phases: [
    { name: "in", label: "Breathe in", seconds: 4 },
    { name: "out", label: "Breathe out", seconds: 6 },
  ],
  cycles: 9,
};

/** Total seconds of the breathing exercise. */
export const breathingSeconds = () =>
  BREATHING.cycles * BREATHING.phases.reduce((sum, phase) => sum + phase.seconds, 0);

/**
 * Where the breathing exercise is `elapsed` whole seconds in: {cycle (0-based), phase,
 * remaining (seconds left in the phase), starts (true on the phase's first second),
 * done}. Pure, so the screen only draws what this says.
 */
export function breathingAt(elapsed) {
  const cycleLength = BREATHING.phases.reduce((sum, phase) => sum + phase.seconds, 0);
  if (elapsed >= breathingSeconds()) return { done: true };
  const cycle = Math.floor(elapsed / cycleLength);
  let into = elapsed % cycleLength;
  for (const phase of BREATHING.phases) {
    if (into < phase.seconds) {
      return { done: false, cycle, phase, remaining: phase.seconds - into, starts: into === 0 };
    }
    into -= phase.seconds;
  }
  return { done: true };
}

/** Every exercise, in the order the list shows them. */
export const EXERCISES = [
  {
    id: "breathe",
    title: "Slow breathing",
    minutes: "1\u00bd minutes",
    summary: "In for 4, out for 6. A longer out-breath tells the body it can settle.",
    timed: true,
  },
  {
    id: "ground",
    title: "5-4-3-2-1",
    minutes: "2 minutes",
    summary: "Come back to the room you are in, one sense at a time.",
    steps: [
      { title: "5 things you can see", text: "Look around slowly. Name five things you can see, one by one. Small things count: a mark on the wall, the colour of a door." },
      { title: "4 things you can feel", text: "Notice four things you can feel: your feet on the floor, the chair behind you, the air on your hands, the fabric of your sleeve." },
      { title: "3 things you can hear", text: "Listen for three sounds. Near or far, loud or quiet. Just name them." },
      { title: "2 things you can smell", text: "Find two smells. If nothing comes, think of two smells you like." },
      { title: "1 thing you can taste", text: "Notice one taste in your mouth, or take a sip of water and notice that." },
    ],
  },
  {
    id: "transition",
    title: "Leaving work at work",
    minutes: "2 minutes",
    summary: "Three short steps for the end of a shift, before you go home.",
    steps: [
      { title: "Look back", text: "Name one thing you did today that mattered, however small. You showed up for someone." },
      { title: "Put it down", text: "Think of what is unfinished. Leave it here for tomorrow, in a note or just in your head. It will still be there; you don't need to carry it home." },
      { title: "Arrive", text: "Take three slow breaths. Feel your feet. Think of one thing you are looking forward to this evening, and go towards it." },
    ],
  },
  {
    id: "kindness",
    title: "A kind pause",
    minutes: "1 minute",
    summary: "Treat yourself the way you would treat a colleague after a hard day.",
    steps: [
      { title: "Notice", text: "Say to yourself, plainly: this is hard right now. Nothing more is needed." },
      { title: "You are not alone", text: "Many people who do this work feel what you feel. It is a sign that you care, not that you are failing." },
      { title: "Be kind", text: "Put a hand on your chest or your arm if you like. Say to yourself what you would say to a colleague who had your day." },
    ],
  },
];

/** The exercise with this id, or undefined. */
export const exerciseById = (id) => EXERCISES.find((exercise) => exercise.id === id);
