// api.js: every request to the SentryPeer API goes through apiFetch, so that
// the API key goes out on each one and any 401 reaches the key form.

import { SSEParser } from './sse.js';

const keyName = 'sentrypeer.apiKey';
let memoryKey = ''; // used when localStorage is unavailable

export function getKey() {
  try {
    return localStorage.getItem(keyName) || '';
  } catch {
    return memoryKey;
  }
}

export function setKey(key) {
  memoryKey = key;
  try {
    if (key) localStorage.setItem(keyName, key);
    else localStorage.removeItem(keyName);
  } catch {
    // private mode or storage disabled: the key lives until the page closes
  }
}

export class AuthError extends Error {
  constructor() {
    super('missing or wrong API key');
    this.name = 'AuthError';
  }
}

export class APIError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'APIError';
    this.status = status;
  }
}

const authListeners = new Set();

// onUnauthorized registers fn to run whenever the API answers 401.
export function onUnauthorized(fn) {
  authListeners.add(fn);
}

export async function apiFetch(path, { accept = 'application/json', signal } = {}) {
  const headers = { Accept: accept };
  const key = getKey();
  if (key) headers['X-Api-Key'] = key;
  const res = await fetch(path, { headers, signal, cache: 'no-store', credentials: 'same-origin' });
  if (res.status === 401) {
    res.body?.cancel().catch(() => {});
    for (const fn of authListeners) fn();
    throw new AuthError();
  }
  return res;
}

// getJSON fetches path and returns its JSON object body, or throws an
// APIError carrying the API's error sentence.
export async function getJSON(path, signal) {
  const res = await apiFetch(path, { signal });
  let body = null;
  try {
    body = await res.json();
  } catch {
    // not JSON; reported below
  }
  if (!res.ok) {
    const msg = (body && (body.error || body.message)) || `HTTP ${res.status}`;
    throw new APIError(res.status, String(msg));
  }
  if (body === null || typeof body !== 'object') {
    throw new APIError(res.status, `${path.split('?')[0]}: the answer is not a JSON object`);
  }
  return body;
}

// query builds "?a=b&..." from an object, leaving out empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

// silentFor is how long the stream may stay silent before it is taken for
// dead; the server sends a keep-alive comment every 15 s.
const silentFor = 45000;

// streamProbes reads /api/v1/events/stream until signal aborts, reconnecting
// with backoff (1 s doubling to 30 s). It calls onProbe with the data text of
// each "probe" event and onState with 'connecting', 'live', 'offline' (and
// the retry delay in ms) or 'auth'. After a 401 it returns: whoever fixes the
// key starts a new stream.
export async function streamProbes(signal, { onProbe, onState }) {
  let delay = 1000;
  while (!signal.aborted) {
    onState('connecting');
    const ctl = new AbortController();
    const abort = () => ctl.abort();
    signal.addEventListener('abort', abort, { once: true });
    let watchdog = 0;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(abort, silentFor);
    };
    try {
      arm();
      const res = await apiFetch('/api/v1/events/stream', { accept: 'text/event-stream', signal: ctl.signal });
      if (!res.ok || !res.body) {
        res.body?.cancel().catch(() => {});
        throw new APIError(res.status, `stream: HTTP ${res.status}`);
      }
      onState('live');
      delay = 1000;
      const parser = new SSEParser((ev) => {
        if (ev.type === 'probe') onProbe(ev.data);
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        arm();
        parser.push(value);
      }
    } catch (err) {
      if (err instanceof AuthError) {
        onState('auth');
        return;
      }
      // network errors, aborts and non-2xx answers: retry below
    } finally {
      clearTimeout(watchdog);
      signal.removeEventListener('abort', abort);
    }
    if (signal.aborted) return;
    onState('offline', delay);
    await sleep(delay, signal);
    delay = Math.min(delay * 2, 30000);
  }
}
