/**
 * The header's list of cluster nodes: GET api/cluster every five seconds. A single node answers {enabled: false}
 * and the list stays hidden; a node of a cluster shows every member, the one this page talks to first and marked,
 * each with the cameras it runs.
 */

import * as api from './api.js';
import { $ } from './dom.js';

const POLL_MS = 5000;

const el = $('cluster-nodes');

export function init() {
  refresh();
}

async function refresh() {
  try {
    show(await api.cluster());
  } catch (e) {
    // the stream list reports an unreachable server; this line just keeps what it last showed
  } finally {
    setTimeout(refresh, POLL_MS);
  }
}

/** @param {import('./api.js').Cluster} c */
function show(c) {
  if (!c || !c.enabled || !Array.isArray(c.nodes)) {
    el.hidden = true;
    return;
  }
  const nodes = [...c.nodes].sort((a, b) => (b.self ? 1 : 0) - (a.self ? 1 : 0));
  el.replaceChildren(document.createTextNode(`Cluster of ${nodes.length}: `));
  nodes.forEach((n, i) => {
    const span = document.createElement('span');
    span.textContent = `${n.name}${n.self ? ' (this node)' : ''} ${n.cameras}/${n.capacity}`;
    span.title = `${n.name}: ${n.cameras} camera(s) of ${n.capacity}` +
      (n.msPerFrame > 0 ? `, ${n.msPerFrame} ms per frame` : '');
    if (n.self) span.className = 'self';
    el.append(span);
    if (i < nodes.length - 1) el.append(document.createTextNode(' · '));
  });
  el.hidden = false;
}
