/**
 * How the original and the restored frame are compared in the live frames mode: side by side, or in one box
 * with the original over the restored frame, clipped at a slider (dragged with the pointer, or moved with the
 * arrow keys). Both settings survive a reload.
 */

import { $, store, stored } from './dom.js';
import { toNum } from './format.js';
import { interir } from './hooks.js';

const el = {
  compare: $('compare'),
  caption: $('restored-caption'),
  side: $('layout-side'),
  split: $('layout-split'),
  original: $('original'),
  restored: $('restored'),
  originalFigure: $('original-figure'),
  originalBox: $('original-box'),
  restoredBox: $('restored-box'),
  handle: $('split-handle')
};

let layout = 'side';
let split = 50;
let dragging = null;

export function init() {
  split = toNum(stored('split')) ?? 50;
  setLayout(stored('layout'));
  el.side.addEventListener('click', () => setLayout('side'));
  el.split.addEventListener('click', () => setLayout('split'));
  el.restoredBox.addEventListener('pointerdown', (ev) => {
    if (layout !== 'split' || ev.button > 0) return;
    dragging = ev.pointerId;
    try {
      el.restoredBox.setPointerCapture(ev.pointerId);
    } catch (e) {
      // a synthetic pointer has nothing to capture
    }
    fromPointer(ev);
    el.handle.focus({ preventScroll: true });
    ev.preventDefault();
  });
  el.restoredBox.addEventListener('pointermove', (ev) => {
    if (dragging === ev.pointerId) fromPointer(ev);
  });
  const endDrag = (ev) => {
    if (dragging !== ev.pointerId) return;
    dragging = null;
    store('split', split);
  };
  el.restoredBox.addEventListener('pointerup', endDrag);
  el.restoredBox.addEventListener('pointercancel', endDrag);
  el.handle.addEventListener('keydown', (ev) => {
    const step = { ArrowLeft: -5, ArrowDown: -5, ArrowRight: 5, ArrowUp: 5, PageDown: -20, PageUp: 20 }[ev.key];
    if (ev.key === 'Home') setSplit(0);
    else if (ev.key === 'End') setSplit(100);
    else if (step) setSplit(split + step);
    else return;
    ev.preventDefault();
    store('split', split);
  });
}

/** The layout buttons mean nothing in the HLS mode (one video, no original). */
export function enable(on) {
  el.side.disabled = !on;
  el.split.disabled = !on;
}

function setLayout(name) {
  layout = name === 'split' ? 'split' : 'side';
  interir.layout = layout;
  store('layout', layout);
  const isSplit = layout === 'split';
  el.compare.className = `compare ${layout}`;
  el.caption.textContent = isSplit ? 'Original (left of the slider) · restored (right): drag to compare' : 'Restored';
  el.side.setAttribute('aria-pressed', String(!isSplit));
  el.split.setAttribute('aria-pressed', String(isSplit));
  if (isSplit) {
    // the original canvas moves over the restored one, clipped at the slider
    if (el.original.parentNode !== el.restoredBox) el.restoredBox.insertBefore(el.original, el.restored.nextSibling);
    el.originalFigure.hidden = true;
    el.handle.hidden = false;
    setSplit(split);
  } else {
    if (el.original.parentNode !== el.originalBox) el.originalBox.insertBefore(el.original, el.originalBox.firstChild);
    el.original.style.clipPath = '';
    el.originalFigure.hidden = false;
    el.handle.hidden = true;
  }
}

function setSplit(pct) {
  split = Math.max(0, Math.min(100, Math.round(pct)));
  interir.split = split;
  if (layout === 'split') el.original.style.clipPath = `inset(0 ${100 - split}% 0 0)`;
  el.handle.style.left = `${split}%`;
  el.handle.setAttribute('aria-valuenow', String(split));
  el.handle.setAttribute('aria-valuetext', `${split}% original`);
}

function fromPointer(ev) {
  const r = el.restoredBox.getBoundingClientRect();
  if (r.width > 0) setSplit(((ev.clientX - r.left) / r.width) * 100);
}
