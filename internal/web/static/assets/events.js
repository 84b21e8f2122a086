// events.js: times and the tables of events (the live feed and the search
// results). Every value from the API is attacker-controlled, so cells are
// filled with textContent only.

const timeRE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/i;

// parseTime returns the milliseconds since the epoch of an RFC 3339 time, or
// NaN. Date.parse is only specified for three fraction digits and the API
// sends up to nine, so the fraction is cut to milliseconds first.
export function parseTime(s) {
  const m = timeRE.exec(String(s ?? ''));
  if (!m) return NaN;
  const frac = `${m[2] || ''}000`.slice(0, 3);
  return Date.parse(`${m[1]}.${frac}${m[3].toUpperCase()}`);
}

// fmtTime shows an API time as "YYYY-MM-DD hh:mm:ss" in UTC, or as sent when
// it does not parse.
export function fmtTime(s) {
  const ms = parseTime(s);
  if (Number.isNaN(ms)) return String(s ?? '');
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export function text(v) {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function cell(tr, value, title) {
  const td = tr.insertCell();
  td.textContent = value;
  if (title) td.title = title;
  return td;
}

function row(ev, id, ms) {
  const tr = document.createElement('tr');
  tr.dataset.id = id;
  tr.dataset.ms = String(ms);
  tr.tabIndex = 0;
  cell(tr, fmtTime(ev.time), text(ev.time));
  cell(tr, text(ev.source_ip));
  cell(tr, text(ev.method) || '—', ev.method ? '' : 'a response or an unreadable message');
  cell(tr, text(ev.called_number), text(ev.request_uri));
  cell(tr, text(ev.user_agent), text(ev.user_agent));
  return tr;
}

// EventTable keeps a table body of at most cap events, newest first, without
// duplicates (by id), and remembers the event behind each row.
export class EventTable {
  constructor(tbody, cap, onOpen) {
    this.tbody = tbody;
    this.cap = cap;
    this.byId = new Map();
    const open = (target) => {
      const tr = target.closest('tr[data-id]');
      const ev = tr && this.byId.get(tr.dataset.id);
      if (ev) onOpen(ev);
    };
    tbody.addEventListener('click', (e) => open(e.target));
    tbody.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        open(e.target);
      }
    });
  }

  get size() {
    return this.byId.size;
  }

  clear() {
    this.tbody.replaceChildren();
    this.byId.clear();
  }

  // add inserts events in time order, whatever order they come in: the first
  // page and the stream can race.
  add(events) {
    for (const ev of events) {
      if (!ev || typeof ev !== 'object') continue;
      const id = text(ev.id);
      if (!id || this.byId.has(id)) continue;
      const ms = parseTime(ev.time);
      let before = this.tbody.firstElementChild;
      while (before && Number(before.dataset.ms) >= ms) before = before.nextElementSibling;
      this.tbody.insertBefore(row(ev, id, ms), before);
      this.byId.set(id, ev);
    }
    while (this.tbody.rows.length > this.cap) {
      const last = this.tbody.lastElementChild;
      this.byId.delete(last.dataset.id);
      last.remove();
    }
  }
}
