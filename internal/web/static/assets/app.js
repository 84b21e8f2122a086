// app.js: wires the dashboard together: node version, stats (every 10 s),
// the live feed, the search box, the event view and the API key form.

import { APIError, AuthError, getJSON, getKey, onUnauthorized, query, setKey, sleep, streamProbes } from './api.js';
import { renderBlocking } from './blocking.js';
import { drawChart } from './chart.js';
import { EventTable, fmtTime, parseTime, text } from './events.js';
import { isIP } from './ip.js';

const feedCap = 200; // rows in the live feed
const firstPage = 50; // events loaded into the feed and into search results
const statsEvery = 10000; // ms between stats refreshes
const rawPages = 5; // pages of 100 searched for an event's raw message

const $ = (id) => document.getElementById(id);
const nf = new Intl.NumberFormat();
const fmt = (v) => nf.format(v);

let session = new AbortController(); // replaced when the key changes
let series = [];
let searchSeq = 0;
let viewSeq = 0;

const feed = new EventTable($('feed'), feedCap, openEvent);
const found = new EventTable($('search-events'), firstPage, openEvent);

// ---- errors and status

function isStop(err) {
  return err instanceof AuthError || err?.name === 'AbortError';
}

function showError(err) {
  if (isStop(err)) return;
  const el = $('error');
  el.textContent = err instanceof APIError ? `API error: ${err.message}` : `Cannot reach the API: ${err?.message || err}`;
  el.hidden = false;
}

function setStatus(state, delay) {
  const el = $('status');
  el.className = `status ${state}`;
  el.textContent = {
    connecting: 'connecting',
    live: 'live',
    offline: `offline, retrying in ${Math.round((delay || 0) / 1000)} s`,
    auth: 'API key needed',
  }[state] || state;
}

// ---- API key

function askForKey() {
  const form = $('api-key-form');
  if (!form.hidden) return;
  $('api-key-form').querySelector('label').textContent = getKey()
    ? 'The API key was refused. API key:'
    : 'This node needs an API key:';
  form.hidden = false;
  setStatus('auth');
  $('api-key-input').focus();
}

onUnauthorized(askForKey);

$('api-key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const key = $('api-key-input').value.trim();
  if (!key) return;
  setKey(key);
  $('api-key-input').value = '';
  $('api-key-form').hidden = true;
  start();
});

$('api-key-forget').addEventListener('click', () => {
  setKey('');
  $('api-key-form').hidden = true;
  start();
});

$('api-key-change').addEventListener('click', () => {
  const form = $('api-key-form');
  if (form.hidden) askForKey();
  else form.hidden = true;
});

// ---- header and stats

async function loadHealth(signal) {
  try {
    const h = await getJSON('/health-check', signal);
    $('version').textContent = h.version ? `version ${text(h.version)}` : '';
  } catch (err) {
    showError(err);
  }
}

function setTotal(id, v) {
  const el = $(id);
  const n = Number(v);
  el.dataset.value = Number.isFinite(n) ? String(n) : '';
  el.textContent = Number.isFinite(n) ? fmt(n) : '–';
}

function renderTop(tbody, items, searchable) {
  tbody.replaceChildren();
  const list = Array.isArray(items) ? items : [];
  if (list.length === 0) {
    const td = tbody.insertRow().insertCell();
    td.colSpan = 2;
    td.className = 'muted';
    td.textContent = 'none yet';
    return;
  }
  for (const it of list) {
    const tr = tbody.insertRow();
    const value = text(it?.value);
    const td = tr.insertCell();
    td.className = 'value-cell';
    td.title = value;
    if (searchable) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'link';
      b.textContent = value;
      b.addEventListener('click', () => {
        $('search-input').value = value;
        search();
      });
      td.append(b);
    } else {
      td.textContent = value || '—';
    }
    const c = tr.insertCell();
    c.className = 'num';
    c.textContent = fmt(Number(it?.count) || 0);
  }
}

function renderStats(s) {
  setTotal('total-events', s.events_total);
  setTotal('total-ips', s.ip_addresses_total);
  setTotal('total-numbers', s.numbers_total);
  setTotal('total-user-agents', s.user_agents_total);
  renderTop($('top-ips'), s.top_ip_addresses, true);
  renderTop($('top-numbers'), s.top_numbers, true);
  renderTop($('top-user-agents'), s.top_user_agents, false);
  renderTop($('top-methods'), s.methods, false);
  series = Array.isArray(s.events_per_hour) ? s.events_per_hour : [];
  const sum = series.reduce((a, p) => a + (Number(p?.count) || 0), 0);
  const hours = Number(s.window_hours) || series.length;
  const last = s.last_event ? `, last probe ${fmtTime(s.last_event)} UTC` : '';
  $('chart-caption').textContent = `(${fmt(sum)} in the last ${fmt(Math.round(hours / 24))} days${last})`;
  $('chart').setAttribute('aria-label', `Probes per hour: ${fmt(sum)} in the last ${hours} hours`);
  drawChart($('chart'), series, fmt);
}

async function statsLoop(signal) {
  while (!signal.aborted) {
    if (!document.hidden) {
      try {
        renderStats(await getJSON(`/api/v1/stats${query({ top: 10 })}`, signal));
        $('error').hidden = true;
      } catch (err) {
        if (isStop(err)) return;
        showError(err);
      }
      try {
        renderBlocking($('blocking'), await getJSON('/api/v1/blocking', signal), fmt);
      } catch (err) {
        if (isStop(err)) return;
        // A node without decisions (an older one) has no such route.
        if (err instanceof APIError && err.status === 404) $('blocking').hidden = true;
        else showError(err);
      }
    }
    await sleep(statsEvery, signal);
  }
}

let redraw = 0;
new ResizeObserver(() => {
  cancelAnimationFrame(redraw);
  redraw = requestAnimationFrame(() => drawChart($('chart'), series, fmt));
}).observe($('chart'));

// ---- live feed

let pending = [];
let flushTimer = 0;

// queueProbe batches stream events so that a flood of probes costs one DOM
// update per tick, and only the newest feedCap of them are ever parsed.
function queueProbe(data) {
  pending.push(data);
  if (pending.length > 2 * feedCap) pending = pending.slice(-feedCap);
  if (!flushTimer) flushTimer = setTimeout(flush, 50);
}

function flush() {
  flushTimer = 0;
  const batch = pending.slice(-feedCap);
  pending = [];
  const events = [];
  for (const data of batch) {
    try {
      events.push(JSON.parse(data));
    } catch {
      // a malformed event is skipped, not fatal
    }
  }
  feed.add(events);
}

async function loadRecent(signal) {
  try {
    const body = await getJSON(`/api/v1/events${query({ limit: firstPage })}`, signal);
    feed.add(Array.isArray(body.events) ? body.events : []);
  } catch (err) {
    showError(err);
  }
}

function startFeed(signal) {
  loadRecent(signal);
  streamProbes(signal, {
    onProbe: queueProbe,
    onState: (state, delay) => {
      setStatus(state, delay);
      // Load the newest page again once connected, to fill any gap
      // before the stream started; duplicates are dropped by id.
      if (state === 'live') loadRecent(signal);
    },
  });
}

// ---- search

function renderCheck(value, r) {
  const out = $('search-result');
  out.replaceChildren();
  const v = document.createElement('strong');
  v.textContent = value;
  const verdict = document.createElement('span');
  out.append(v, ': ', verdict);
  if (r.bad) {
    verdict.className = 'verdict bad';
    verdict.textContent = 'bad';
    const parts = [];
    if (r.count !== undefined) parts.push(`${fmt(Number(r.count) || 0)} probes`);
    if (r.first_seen) parts.push(`first seen ${fmtTime(r.first_seen)}`);
    if (r.last_seen) parts.push(`last seen ${fmtTime(r.last_seen)}`);
    if (Array.isArray(r.sources) && r.sources.length) parts.push(`sources: ${r.sources.map(text).join(', ')}`);
    if (r.reporters !== undefined) parts.push(`${fmt(Number(r.reporters) || 0)} reporting nodes`);
    if (r.enforce === false) parts.push('not enforced: peers short of the quorum');
    if (parts.length) out.append(` (${parts.join(', ')})`);
  } else {
    verdict.className = 'verdict ok';
    verdict.textContent = 'not seen';
  }
}

async function search() {
  const q = $('search-input').value.trim();
  if (!q) return;
  const seq = ++searchSeq;
  const signal = session.signal;
  const ip = isIP(q);
  const out = $('search-result');
  out.textContent = 'checking…';
  found.clear();
  $('search-events-wrap').hidden = true;
  try {
    const path = ip ? `/api/v1/check/ip/${encodeURIComponent(q)}` : `/api/v1/check/number/${encodeURIComponent(q)}`;
    const r = await getJSON(path, signal);
    if (seq !== searchSeq) return;
    const value = text((ip ? r.ip : r.number) ?? q) || q;
    renderCheck(value, r);
    if (!r.bad) return;
    const body = await getJSON(`/api/v1/events${query({ [ip ? 'ip' : 'number']: value, limit: firstPage })}`, signal);
    if (seq !== searchSeq) return;
    found.add(Array.isArray(body.events) ? body.events : []);
    $('search-events-wrap').hidden = found.size === 0;
  } catch (err) {
    if (seq !== searchSeq || err?.name === 'AbortError') return;
    out.textContent = err instanceof AuthError
      ? 'API key needed'
      : err instanceof APIError ? `${q}: ${err.message}` : `Cannot reach the API: ${err?.message || err}`;
  }
}

$('search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  search();
});

// ---- event view

function renderFields(ev) {
  const dl = $('event-fields');
  dl.replaceChildren();
  for (const [k, v] of Object.entries(ev)) {
    if (k === 'raw') continue;
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = text(v);
    dl.append(dt, dd);
  }
}

// findRaw looks the event up again with raw=true: same source IP, in a window
// of ±1 ms around its time (which holds it whether since and until are
// inclusive or not), matched by id.
async function findRaw(ev, signal) {
  const ms = parseTime(ev.time);
  const params = { ip: text(ev.source_ip), limit: 100, raw: 'true' };
  if (!Number.isNaN(ms)) {
    params.since = new Date(ms - 1).toISOString();
    params.until = new Date(ms + 1).toISOString();
  }
  for (let page = 0; page < rawPages; page++) {
    const body = await getJSON(`/api/v1/events${query(params)}`, signal);
    const hit = (Array.isArray(body.events) ? body.events : []).find((e) => e && e.id === ev.id);
    if (hit) return hit;
    if (!body.next_cursor) return null;
    params.cursor = text(body.next_cursor);
  }
  return null;
}

async function openEvent(ev) {
  const seq = ++viewSeq;
  const dialog = $('event-view');
  const raw = $('event-raw');
  $('event-view-title').textContent = `Probe ${text(ev.id)}`;
  renderFields(ev);
  raw.textContent = 'loading…';
  if (!dialog.open) dialog.showModal();
  try {
    const full = await findRaw(ev, session.signal);
    if (seq !== viewSeq) return;
    if (!full) {
      raw.textContent = '(the raw message is no longer stored)';
      return;
    }
    renderFields(full);
    raw.textContent = text(full.raw);
    if (full.raw_truncated) raw.textContent += '\n[truncated]';
  } catch (err) {
    if (seq !== viewSeq) return;
    raw.textContent = isStop(err) ? '(API key needed)' : `(cannot load the raw message: ${err?.message || err})`;
  }
}

$('event-view-close').addEventListener('click', () => $('event-view').close());
$('event-view').addEventListener('click', (e) => {
  // A click on the backdrop targets the dialog too, as does one on its
  // padding: only a click outside its box closes it.
  const d = e.currentTarget;
  const r = d.getBoundingClientRect();
  const outside = e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom;
  if (e.target === d && outside) d.close();
});
$('event-view').addEventListener('close', () => {
  viewSeq++;
});

// ---- start

function start() {
  session.abort();
  session = new AbortController();
  const { signal } = session;
  $('error').hidden = true;
  loadHealth(signal);
  statsLoop(signal);
  startFeed(signal);
}

start();
