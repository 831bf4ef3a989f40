/**
 * The telemetry under the video, fed by the selected stream's stats message (once a second): the stats line,
 * the residual chart (||F_k|| per ISN stage, and the last minute of the final residual and of the stages run)
 * and the routing bars of the explainable convolution.
 */

import { DASH, fixed, sig, toNum } from './format.js';
import { $ } from './dom.js';
import { interir } from './hooks.js';

/** Stats messages kept for the history lane: about a minute. */
const HISTORY = 60;

const el = {
  stats: $('stats'),
  chart: $('residual-chart'),
  chartText: $('residual-text'),
  routing: $('routing'),
  routingText: $('routing-text')
};

/** The most stages any message of this stream carried: a cold start runs them all. */
let maxStages = 0;
/** [time, framesOut] of recent messages, for a rate when the server's window reads 0. */
let outSamples = [];

export function setStat(key, text, hidden) {
  const span = el.stats.querySelector(`[data-k="${key}"]`);
  if (!span) return;
  span.textContent = text;
  if (hidden !== undefined) span.hidden = hidden;
}

/** Forget the previous stream's figures (a stream switch). */
export function reset() {
  maxStages = 0;
  outSamples = [];
  interir.lastStats = {};
  interir.statsCount = 0;
  interir.residualHistory = [];
  renderLine({});
  drawResiduals(null);
  renderRouting(null);
}

/**
 * Takes one stats message of the selected stream.
 * @param {import('./api.js').StatsMessage} s
 * @returns {?number} frames restored per second, the best estimate (see restoredFps)
 */
export function update(s) {
  interir.lastStats = s;
  interir.statsCount++;
  const fps = restoredFps(s);
  const values = Array.isArray(s.residuals) ? s.residuals.map(toNum).filter((v) => v !== null) : [];
  maxStages = Math.max(maxStages, values.length);
  if (values.length) {
    const h = interir.residualHistory;
    h.push({ t: Date.now(), last: values[values.length - 1], stages: toNum(s.stagesRun), warm: s.warm === true });
    if (h.length > HISTORY) h.splice(0, h.length - HISTORY);
  }
  renderLine(s, fps);
  drawResiduals(s);
  renderRouting(s.routing);
  return fps;
}

export function redraw() {
  drawResiduals(interir.lastStats);
}

/**
 * The server's fps, or, when that reads 0 while frames still come out (its two-second window is empty below
 * 0.5 fps), the rate of framesOut over the last ten seconds of messages.
 */
function restoredFps(s) {
  const fps = toNum(s.fps);
  const out = toNum(s.framesOut);
  if (out === null) return fps;
  const now = Date.now();
  outSamples.push([now, out]);
  while (outSamples.length > 2 && now - outSamples[0][0] > 10000) outSamples.shift();
  if (fps !== null && fps > 0) return fps;
  const [t0, out0] = outSamples[0];
  const dt = (now - t0) / 1000;
  return dt >= 2 && out > out0 ? (out - out0) / dt : fps;
}

function renderLine(s, fps = toNum(s.fps)) {
  // before the first restored frame the per-frame figures are placeholders, not measurements
  const measured = toNum(s.framesOut) > 0;
  setStat('fps', `fps ${fixed(fps, 1)}`);
  setStat('latency', `latency ${measured && toNum(s.latencyMs) !== null ? `${fixed(s.latencyMs)} ms` : DASH}`);
  setStat('frames', `frames in ${fixed(s.framesIn)} / out ${fixed(s.framesOut)}`);
  setStat('dropped', `dropped ${fixed(s.dropped)}`);
  const stages = measured ? toNum(s.stagesRun) : null;
  let text = `stages ${stages === null ? DASH : sig(stages) + (maxStages ? ` / ${maxStages}` : '')}`;
  if (measured && typeof s.warm === 'boolean') text += s.warm ? ' · warm' : ' · cold';
  setStat('stages', text);
  setStat('size', toNum(s.width) && toNum(s.height) ? `${s.width}×${s.height}` : DASH);
}

let palette = null;
function colors() {
  if (!palette) {
    const cs = getComputedStyle(document.documentElement);
    const v = (name, fallback) => cs.getPropertyValue(name).trim() || fallback;
    palette = {
      fg: v('--fg', '#e6e9ef'), muted: v('--muted', '#8b93a3'), grid: v('--grid', '#2a3140'),
      bar: v('--accent', '#36a3ff'), dim: v('--dim-bar', '#3b4a63'), warn: v('--warn', '#f5b942')
    };
  }
  return palette;
}

/** A canvas sized to its CSS box at the screen's pixel density; returns its context and CSS size. */
function fitCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 360;
  const h = canvas.clientHeight || 150;
  const pw = Math.round(w * dpr);
  const ph = Math.round(h * dpr);
  if (canvas.width !== pw) canvas.width = pw;
  if (canvas.height !== ph) canvas.height = ph;
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'alphabetic';
  return { ctx, w, h };
}

/**
 * Left: this second's ||F_k|| per stage (bars; stages a warm start skipped are hollow). Right: the last minute
 * of the final stage's residual (line) and of the stages run per frame (steps).
 */
function drawResiduals(s) {
  const { ctx, w: cssW, h: cssH } = fitCanvas(el.chart);
  const c = colors();
  const values = s && Array.isArray(s.residuals) ? s.residuals.map(toNum) : [];
  if (!values.length) {
    ctx.fillStyle = c.muted;
    ctx.textAlign = 'center';
    ctx.fillText('no residuals yet', cssW / 2, cssH / 2);
    el.chartText.textContent = 'No residual data yet.';
    return;
  }
  interir.chartDraws++;
  const total = Math.max(maxStages, values.length);
  // a warm start runs the last stages; a cold one runs them from the first
  const offset = s.warm === true && values.length < total ? total - values.length : 0;
  const max = Math.max(...values.map((v) => Math.abs(v ?? 0))) || 1;

  const padT = 16;
  const padB = 18;
  const plotH = cssH - padT - padB;
  const barsW = cssW >= 280 ? Math.round(cssW * 0.55) : cssW;
  const slot = (barsW - 12) / total;
  const barW = Math.max(2, Math.min(44, slot * 0.6));

  ctx.strokeStyle = c.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(6, padT + plotH + 0.5);
  ctx.lineTo(barsW - 6, padT + plotH + 0.5);
  ctx.stroke();

  const tops = [];
  ctx.textAlign = 'center';
  for (let i = 0; i < total; i++) {
    const x = 6 + slot * i + slot / 2;
    const vi = i - offset;
    if (vi < 0 || vi >= values.length) {
      ctx.strokeStyle = c.dim;
      ctx.setLineDash([3, 3]);
      ctx.strokeRect(x - barW / 2 + 0.5, padT + plotH * 0.6 + 0.5, barW - 1, plotH * 0.4 - 1);
      ctx.setLineDash([]);
      ctx.fillStyle = c.muted;
      ctx.fillText('skip', x, padT + plotH * 0.6 - 3);
    } else {
      const v = values[vi];
      const h = v === null ? 0 : (Math.abs(v) / max) * plotH;
      ctx.fillStyle = c.bar;
      ctx.fillRect(x - barW / 2, padT + plotH - h, barW, h);
      tops.push([x, padT + plotH - h]);
      ctx.fillStyle = c.fg;
      ctx.fillText(sig(v), x, Math.max(11, padT + plotH - h - 3));
    }
    ctx.fillStyle = c.muted;
    ctx.fillText(`k=${i + 1}`, x, cssH - 4);
  }
  if (tops.length > 1) {
    ctx.strokeStyle = c.fg;
    ctx.globalAlpha = 0.5;
    ctx.beginPath();
    tops.forEach(([x, y], j) => (j ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.stroke();
    ctx.globalAlpha = 1;
  }
  if (barsW < cssW) drawHistory(ctx, barsW + 8, cssW - 4, padT, plotH, c);

  const described = values.map((v, j) => `stage ${j + 1 + offset}: ${sig(v)}`).join(', ');
  el.chartText.textContent = `Residual per stage: ${described}` +
    (offset ? `; stages 1 to ${offset} skipped by the warm start.` : '.');
}

/** The last minute: the final stage's residual (line, upper lane) and stages run per frame (steps, lower lane). */
function drawHistory(ctx, x0, x1, padT, plotH, c) {
  const hist = interir.residualHistory;
  const w = x1 - x0;
  ctx.strokeStyle = c.grid;
  ctx.strokeRect(x0 + 0.5, padT + 0.5, w - 1, plotH);
  ctx.textAlign = 'left';
  ctx.fillStyle = c.bar;
  ctx.fillText('final ||F||', x0 + 4, padT - 4);
  ctx.fillStyle = c.warn;
  ctx.textAlign = 'right';
  ctx.fillText('stages run', x1 - 2, padT - 4);
  ctx.fillStyle = c.muted;
  ctx.textAlign = 'center';
  ctx.fillText(`last ${HISTORY} s`, x0 + w / 2, padT + plotH + 14);
  if (!hist.length) return;
  const laneH = plotH * 0.62;
  const stagesTop = padT + laneH + 6;
  const stagesH = plotH - laneH - 10;
  const max = (Math.max(...hist.map((p) => Math.abs(p.last))) || 1) * 1.15;
  const stagesMax = Math.max(1, maxStages);
  // the line fills the box while the history grows, then scrolls
  const n = Math.max(1, Math.min(HISTORY - 1, hist.length - 1));
  const xAt = (i) => x0 + 4 + (w - 8) * (hist.length === 1 ? 1 : (i - (hist.length - 1 - n)) / n);
  const yRes = (p) => padT + 4 + (laneH - 4) * (1 - Math.abs(p.last) / max);
  const ySt = (p) => stagesTop + stagesH * (1 - Math.min(1, (toNum(p.stages) || 0) / stagesMax));

  ctx.lineWidth = 1.5;
  ctx.strokeStyle = c.warn;
  ctx.beginPath();
  let prevY = 0;
  hist.forEach((p, i) => {
    const y = ySt(p);
    if (i) {
      ctx.lineTo(xAt(i), prevY);
      ctx.lineTo(xAt(i), y);
    } else {
      ctx.moveTo(xAt(i), y);
    }
    prevY = y;
  });
  if (hist.length === 1) ctx.lineTo(xAt(0) - 6, prevY);
  ctx.stroke();
  ctx.strokeStyle = c.bar;
  ctx.beginPath();
  hist.forEach((p, i) => (i ? ctx.lineTo(xAt(i), yRes(p)) : ctx.moveTo(xAt(i), yRes(p))));
  ctx.stroke();
  ctx.lineWidth = 1;
  const last = hist[hist.length - 1];
  ctx.fillStyle = c.bar;
  ctx.beginPath();
  ctx.arc(xAt(hist.length - 1), yRes(last), 2.5, 0, 2 * Math.PI);
  ctx.fill();
  ctx.textAlign = 'right';
  ctx.fillText(sig(last.last), x1 - 6, Math.max(padT + 12, yRes(last) - 5));
  ctx.fillStyle = c.warn;
  ctx.fillText(sig(last.stages), x1 - 6, Math.max(stagesTop + 10, ySt(last) - 3));
}

/** One bar per kernel of the bank, scaled to the largest weight. */
function renderRouting(routing) {
  const box = el.routing;
  box.replaceChildren();
  const weights = Array.isArray(routing) ? routing.map(toNum) : [];
  if (!weights.length) {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = 'no routing data yet';
    box.append(p);
    el.routingText.textContent = 'No routing data yet.';
    return;
  }
  const max = Math.max(...weights.map((v) => v ?? 0)) || 1;
  const row = document.createElement('div');
  row.className = 'route-row';
  weights.forEach((v, i) => {
    const bar = document.createElement('span');
    bar.className = 'route-bar';
    bar.title = `kernel ${i + 1}: ${sig(v)}`;
    const fill = document.createElement('span');
    fill.className = 'route-fill';
    fill.style.height = `${(v === null ? 0 : Math.max(0, Math.min(1, v / max)) * 100).toFixed(1)}%`;
    bar.append(fill);
    if (weights.length <= 16) {
      const value = document.createElement('span');
      value.className = 'route-value';
      value.textContent = v === null ? DASH : `${Math.round(v * 100)}%`;
      bar.append(value);
    }
    row.append(bar);
  });
  box.append(row);
  el.routingText.textContent = `Routing weights: ${weights.map((v, i) => `kernel ${i + 1} ${sig(v)}`).join(', ')}.`;
}
