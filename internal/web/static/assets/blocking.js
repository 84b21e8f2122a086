// blocking.js: the Blocking panel: what is blocked now by origin, each
// blocker's state, and the latest decisions. Every value comes from the
// API and goes into the page as text, never as markup.

import { fmtTime, text } from './events.js';

const origins = ['local', 'peers', 'trusted', 'manual'];

function cell(tr, value, className) {
  const td = tr.insertCell();
  td.textContent = value;
  if (className) td.className = className;
  return td;
}

// renderBlocking fills the panel from a /api/v1/blocking reply.
export function renderBlocking(root, b, fmt) {
  root.hidden = false;
  const byOrigin = b?.by_origin || {};
  const parts = origins.map((o) => `${o} ${fmt(Number(byOrigin[o]) || 0)}`);
  root.querySelector('#blocking-total').textContent = fmt(Number(b?.total) || 0);
  root.querySelector('#blocking-origins').textContent = parts.join(' · ');

  const blockers = root.querySelector('#blockers');
  blockers.replaceChildren();
  const list = Array.isArray(b?.blockers) ? b.blockers : [];
  if (list.length === 0) {
    const td = blockers.insertRow().insertCell();
    td.colSpan = 3;
    td.className = 'muted';
    td.textContent = 'no blocker enabled (see --nft)';
  }
  for (const x of list) {
    const tr = blockers.insertRow();
    cell(tr, text(x?.name), 'value-cell');
    const state = x?.in_sync ? 'in sync' : (x?.last_error ? 'failing' : 'starting');
    const s = cell(tr, state, x?.in_sync ? 'ok' : 'bad');
    if (x?.last_error) s.title = `${text(x.last_error)} (${fmtTime(x.last_error_at)} UTC)`;
    cell(tr, fmt(Number(x?.held) || 0), 'num');
  }

  const latest = root.querySelector('#latest-decisions');
  latest.replaceChildren();
  const ds = Array.isArray(b?.latest) ? b.latest : [];
  if (ds.length === 0) {
    const td = latest.insertRow().insertCell();
    td.colSpan = 3;
    td.className = 'muted';
    td.textContent = 'nothing blocked yet';
  }
  for (const d of ds) {
    const tr = latest.insertRow();
    const v = cell(tr, text(d?.value), 'value-cell');
    v.title = text(d?.reason);
    cell(tr, text(d?.origin));
    cell(tr, fmtTime(d?.until), 'muted');
  }
}
