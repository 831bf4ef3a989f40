/**
 * The stream list in the sidebar: GET api/streams every two seconds (the server pushes no stream events), one
 * item per stream with its status badge, fps, drops, latency, the reason it is not live, and Remove.
 */

import * as api from './api.js';
import { loginIfRequired } from './auth.js';
import { $, showText } from './dom.js';
import { fixed, latency, maskSource, statusClass, toNum } from './format.js';
import { interir } from './hooks.js';

const POLL_MS = 2000;

const el = {
  list: $('stream-list'),
  error: $('list-error'),
  empty: $('list-empty'),
  conn: $('conn-status'),
  addId: $('add-id')
};

/** @type {Map<string, import('./api.js').Stream>} in the server's order */
let streams = new Map();
let serverOk = null;
let selected = null;
/** fps of the selected stream from its stats messages: fresher than the list's */
let selectedFps = null;
let handlers = { listed() {}, select() {}, removing() {}, removeFailed() {} };

let inFlight = null;
let timer = 0;

/**
 * @param {{listed: function(Map<string, import('./api.js').Stream>): void, select: function(string): void,
 *          removing: function(string): void, removeFailed: function(string): void}} h
 *   listed after every answer; select when the user picks a stream; removing before a stream is removed
 *   (let go of it first, so nothing asks for it afterwards); removeFailed when the server kept it
 */
export function init(h) {
  handlers = { ...handlers, ...h };
  return refresh();
}

export function get(id) {
  return streams.get(id);
}

export function ids() {
  return [...streams.keys()];
}

export function serverReachable() {
  return serverOk !== false;
}

/** Refreshes the list now; concurrent callers share one request. */
export function refresh() {
  if (inFlight) return inFlight;
  clearTimeout(timer);
  inFlight = (async () => {
    try {
      const list = await api.listStreams();
      setServer(true);
      showText(el.error, '');
      apply(list);
    } catch (e) {
      if (loginIfRequired(e)) return;
      setServer(false);
      showText(el.error, `Cannot load streams: ${e.message}`);
    } finally {
      inFlight = null;
      timer = setTimeout(refresh, POLL_MS);
    }
  })();
  return inFlight;
}

/** Marks the selected stream in the list (the viewer decides which one it is). */
export function markSelected(id) {
  selected = id;
  selectedFps = null;
  for (const li of el.list.children) {
    const current = li.dataset.id === id;
    li.classList.toggle('selected', current);
    const button = li.querySelector('.stream-select');
    if (current) button.setAttribute('aria-current', 'true');
    else button.removeAttribute('aria-current');
  }
}

/** The selected stream's stats message is fresher than the last poll: its figures go into its item at once. */
export function takeStats(s, fps) {
  const cur = streams.get(selected);
  if (!cur || s.id !== selected) return;
  for (const k of ['status', 'dropped', 'latencyMs', 'framesIn', 'framesOut', 'reconnects', 'error']) {
    cur[k] = s[k];
  }
  selectedFps = fps;
  const li = item(selected);
  if (li) update(li, cur);
}

function setServer(ok) {
  if (serverOk === ok) return;
  serverOk = ok;
  el.conn.textContent = ok ? 'server connected' : 'server unreachable';
  el.conn.className = `conn-status ${ok ? 'ok' : 'bad'}`;
}

function apply(list) {
  streams = new Map(list.filter((s) => s && typeof s.id === 'string').map((s) => [s.id, s]));
  interir.streams = [...streams.values()];
  render();
  handlers.listed(streams);
}

function item(id) {
  return [...el.list.children].find((li) => li.dataset.id === id);
}

function render() {
  const existing = new Map([...el.list.children].map((li) => [li.dataset.id, li]));
  [...streams.values()].forEach((s, i) => {
    const li = existing.get(s.id) || create(s.id);
    existing.delete(s.id);
    update(li, s);
    if (el.list.children[i] !== li) el.list.insertBefore(li, el.list.children[i] || null);
  });
  for (const li of existing.values()) {
    if (li.contains(document.activeElement)) el.addId.focus();
    li.remove();
  }
  el.empty.hidden = streams.size > 0;
}

function create(id) {
  const li = document.createElement('li');
  li.className = 'stream-item';
  li.dataset.id = id;

  const select = document.createElement('button');
  select.type = 'button';
  select.className = 'stream-select';
  const name = document.createElement('span');
  name.className = 'stream-id';
  name.textContent = id;
  const badge = document.createElement('span');
  badge.className = 'badge';
  const meta = document.createElement('span');
  meta.className = 'stream-meta';
  select.append(name, badge, meta);
  select.addEventListener('click', () => handlers.select(id));

  const remove = document.createElement('button');
  remove.type = 'button';
  remove.className = 'stream-remove';
  remove.textContent = 'Remove';
  remove.setAttribute('aria-label', `Remove stream ${id}`);
  remove.addEventListener('click', (ev) => {
    ev.stopPropagation();
    removeStream(id, li);
  });

  const error = document.createElement('span');
  error.className = 'stream-error error';
  error.hidden = true;

  li.append(select, remove, error);
  return li;
}

function update(li, s) {
  const status = String(s.status || 'unknown');
  const badge = li.querySelector('.badge');
  badge.textContent = status;
  badge.className = `badge ${statusClass(status)}`;
  let fps = toNum(s.fps);
  // the server's window reads 0 below 0.5 fps; the viewer's estimate for the selected stream does better
  if (fps === 0 && s.id === selected && selectedFps > 0) fps = selectedFps;
  let meta = `${fixed(fps, 1)} fps · ${fixed(s.dropped)} dropped`;
  if (status === 'live' && toNum(s.latencyMs) !== null) meta += ` · ${latency(s.latencyMs)}`;
  if (toNum(s.reconnects) > 0) meta += ` · ${s.reconnects} reconnect${s.reconnects > 1 ? 's' : ''}`;
  // a cluster says which node runs the stream
  if ('owner' in s) meta += ` · on ${s.owner || 'no node yet'}`;
  li.querySelector('.stream-meta').textContent = meta;
  const select = li.querySelector('.stream-select');
  select.title = maskSource(s.source) + (s.error ? `\n${s.error}` : '');
  select.setAttribute('aria-label', `${s.id}, ${status}, ${meta}${s.error ? `, ${s.error}` : ''}`);
  const current = s.id === selected;
  li.classList.toggle('selected', current);
  if (current) select.setAttribute('aria-current', 'true');
  else select.removeAttribute('aria-current');
  // why a stream is not live stays visible under its item, unless a failed Remove has something to say
  const error = li.querySelector('.stream-error');
  if (!error.dataset.local) showText(error, s.error && status !== 'live' ? s.error : '');
}

async function removeStream(id, li) {
  const button = li.querySelector('.stream-remove');
  const error = li.querySelector('.stream-error');
  button.disabled = true;
  delete error.dataset.local;
  showText(error, '');
  handlers.removing(id);
  try {
    await api.removeStream(id);
  } catch (e) {
    if (loginIfRequired(e)) return;
    error.dataset.local = '1';
    showText(error, `Remove failed: ${e.message}`);
    handlers.removeFailed(id);
  } finally {
    button.disabled = false;
  }
  await refresh();
}
