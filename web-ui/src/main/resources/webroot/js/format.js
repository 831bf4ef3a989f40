/** Number and text formatting shared by the panels; '–' stands for a value the server has not given. */

import { STREAM_STATUSES } from './api.js';

export const DASH = '–';

export function toNum(v) {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

export function fixed(v, digits = 0) {
  const n = toNum(v);
  return n === null ? DASH : n.toFixed(digits);
}

/** Three significant digits, exponent outside 0.001..1000: residuals span decades. */
export function sig(v) {
  const n = toNum(v);
  if (n === null) return DASH;
  if (n === 0) return '0';
  const a = Math.abs(n);
  if (a >= 1000 || a < 0.001) return n.toExponential(1);
  return String(Number(n.toPrecision(3)));
}

/** m:ss or h:mm:ss */
export function duration(seconds) {
  const n = toNum(seconds);
  if (n === null || n < 0) return DASH;
  const t = Math.round(n);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  return (h ? `${h}:${String(m).padStart(2, '0')}` : String(m)) + ':' + String(s).padStart(2, '0');
}

export function latency(ms) {
  const n = toNum(ms);
  if (n === null) return DASH;
  return n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${n.toFixed(0)} ms`;
}

/** The server masks credentials already; this guards URLs typed into the page before they reach it. */
export function maskSource(src) {
  return String(src ?? '').replace(/\/\/[^/@\s]*@/, '//***@');
}

export function statusClass(status) {
  return STREAM_STATUSES.includes(status) ? `status-${status}` : 'status-unknown';
}
