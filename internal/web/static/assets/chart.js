// chart.js: the probes-per-hour bar chart, drawn as SVG by hand.

import { parseTime } from './events.js';

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

// niceCeil rounds v up to 1, 2 or 5 times a power of ten, for the axis.
function niceCeil(v) {
  if (v <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

// drawChart replaces the content of svg with bars for series (objects
// {hour, count}, oldest first), fitted to the size the svg has on screen.
// Hours are labelled in UTC, as the API buckets them.
export function drawChart(svg, series, fmt) {
  const ns = svg.namespaceURI; // borrowing it keeps namespace URLs out of the code
  const el = (name, attrs) => {
    const e = document.createElementNS(ns, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    return e;
  };
  const W = Math.max(svg.clientWidth, 200);
  const H = Math.max(svg.clientHeight, 100);
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const pad = { l: 46, r: 6, t: 8, b: 20 };
  const cw = W - pad.l - pad.r;
  const ch = H - pad.t - pad.b;
  const n = series.length;
  if (n === 0) {
    const t = el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'axis' });
    t.textContent = 'no data yet';
    svg.append(t);
    return;
  }
  const counts = series.map((p) => Math.max(0, Number(p?.count) || 0));
  const top = niceCeil(counts.reduce((a, b) => Math.max(a, b), 0));
  const y = (v) => pad.t + ch - (v / top) * ch;

  for (const v of [0, top / 2, top]) {
    svg.append(el('line', { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), class: 'grid' }));
    const t = el('text', { x: pad.l - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' });
    t.textContent = fmt(v);
    svg.append(t);
  }

  const bw = cw / n;
  const gap = bw > 3 ? 1 : 0;
  const bars = el('g', { class: 'bars' });
  const labelEvery = bw * 24 < 44 ? 48 : 24; // hours between day labels
  series.forEach((p, i) => {
    const ms = parseTime(p?.hour);
    const when = Number.isNaN(ms) ? String(p?.hour ?? '') : new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
    const x = pad.l + i * bw;
    if (counts[i] > 0) {
      const h = Math.max(1, ch - (y(counts[i]) - pad.t));
      const r = el('rect', { x: x + gap / 2, y: pad.t + ch - h, width: Math.max(0.5, bw - gap), height: h });
      const title = el('title', {});
      title.textContent = `${when} UTC: ${fmt(counts[i])} probes`;
      r.append(title);
      bars.append(r);
    }
    if (!Number.isNaN(ms)) {
      const d = new Date(ms);
      const hoursSinceEpoch = Math.floor(ms / 3600000);
      // A label needs about 40 px; one that would not fit is left out.
      if (d.getUTCHours() === 0 && hoursSinceEpoch % labelEvery === 0 && x + 40 <= W) {
        svg.append(el('line', { x1: x, x2: x, y1: pad.t, y2: pad.t + ch, class: 'tick' }));
        const t = el('text', { x: x + 3, y: H - 6, class: 'axis' });
        t.textContent = `${days[d.getUTCDay()]} ${d.getUTCDate()}`;
        svg.append(t);
      }
    }
  });
  svg.append(bars);
}
