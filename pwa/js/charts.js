// Charts drawn as inline SVG by our own code: a weekly line on a 0–100 scale, with gaps
// where a week has no answers. Colours come from CSS classes (no inline styles).

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Split points into runs without gaps, so a missing week breaks the line. */
export function segments(values) {
  const runs = [];
  let run = [];
  values.forEach((value, index) => {
    if (value === null || value === undefined) {
      if (run.length) runs.push(run);
      run = [];
    } else {
      run.push([index, value]);
    }
  });
  if (run.length) runs.push(run);
  return runs;
}

/**
 * A line chart of weekly 0–100 values. `labels` name the weeks (first and last are
 * printed), `summary` is the text a screen reader hears instead of the picture.
 */
export function weeklyChart(values, labels, summary, { height = 120, compact = false } = {}) {
  const width = 320;
  const pad = { left: compact ? 4 : 28, right: 8, top: 8, bottom: compact ? 6 : 20 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const step = values.length > 1 ? plotW / (values.length - 1) : 0;
  const x = (i) => pad.left + i * step;
  const y = (v) => pad.top + plotH * (1 - Math.max(0, Math.min(100, v)) / 100);
  const root = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": summary,
  });
  root.append(svg("title", {}, summary));
  for (const level of compact ? [0, 100] : [0, 50, 100]) {
    root.append(svg("line", { class: "axis", x1: pad.left, x2: width - pad.right, y1: y(level), y2: y(level) }));
    if (!compact) root.append(svg("text", { class: "label", x: 0, y: y(level) + 4 }, String(level)));
  }
  for (const run of segments(values)) {
    const points = run.map(([i, v]) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    if (run.length > 1) {
      root.append(svg("polyline", { class: "line", points, "stroke-width": 2.5,
        "stroke-linejoin": "round", "stroke-linecap": "round" }));
    }
    for (const [i, v] of run) root.append(svg("circle", { class: "dot", cx: x(i), cy: y(v), r: compact ? 2.5 : 3.5 }));
  }
  if (!compact && labels.length) {
    root.append(svg("text", { class: "label", x: pad.left, y: height - 4 }, labels[0]));
    root.append(svg("text", { class: "label", x: width - pad.right, y: height - 4, "text-anchor": "end" },
      labels[labels.length - 1]));
  }
  return root;
}
