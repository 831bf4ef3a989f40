/**
 * The stream view: which stream is selected (kept in the URL's #hash), its two WebSocket feeds painted on the
 * canvases, the mode switch between live frames and HLS video, the overlay that says why no frame comes, the
 * snapshot and full screen.
 */

import * as hlsPlayer from './hls-player.js';
import * as compare from './compare.js';
import * as streams from './streams.js';
import * as telemetry from './telemetry.js';
import { $, showText } from './dom.js';
import { statusClass } from './format.js';
import { Feed, FrameView } from './feed.js';
import { interir } from './hooks.js';

const el = {
  title: $('viewer-title'),
  status: $('viewer-status'),
  error: $('viewer-error'),
  modeWs: $('mode-ws'),
  modeHls: $('mode-hls'),
  wsPanel: $('ws-panel'),
  hlsPanel: $('hls-panel'),
  stage: $('stage'),
  restored: $('restored'),
  snapshot: $('snapshot'),
  fullscreen: $('fullscreen'),
  fullscreenExit: $('fullscreen-exit'),
  download: $('download-link')
};

let selected = null;
let mode = 'ws';
let lastStatus = null;
let lastError = null;
let restoredFeed = null;
let originalFeed = null;

/** Paint times of the last restored frames, for the frames painted per second here. */
const paintTimes = [];
const restoredView = new FrameView(el.restored, $('restored-overlay'), () => {
  interir.framesPainted++;
  paintTimes.push(performance.now());
  if (paintTimes.length > 240) paintTimes.splice(0, paintTimes.length - 240);
});
const originalView = new FrameView($('original'), $('original-overlay'), () => {
  interir.framesPaintedOriginal++;
});

export function init() {
  compare.init();
  el.modeWs.addEventListener('click', () => setMode('ws'));
  el.modeHls.addEventListener('click', () => setMode('hls'));
  for (const tab of [el.modeWs, el.modeHls]) {
    tab.addEventListener('keydown', (ev) => {
      const k = ev.key;
      if (!['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(k)) return;
      ev.preventDefault();
      const next = k === 'Home' ? 'ws' : k === 'End' ? 'hls' : mode === 'ws' ? 'hls' : 'ws';
      setMode(next);
      (next === 'ws' ? el.modeWs : el.modeHls).focus();
    });
  }
  el.snapshot.addEventListener('click', snapshot);
  initFullscreen();
  window.addEventListener('hashchange', () => {
    const id = hashId();
    if (id && streams.get(id)) select(id);
  });
  window.addEventListener('pagehide', () => {
    closeFeeds();
    hlsPlayer.stop();
  });
  setMode('ws');
  telemetry.reset();
  setInterval(tick, 1000);
}

/** After each list answer: keep the selection, or pick the #hash stream, or the first. */
export function listed(all) {
  if (selected !== null && all.has(selected)) {
    const s = all.get(selected);
    setStatus(s.status, s.error);
    return;
  }
  const want = hashId();
  select(want && all.has(want) ? want : all.size ? all.keys().next().value : null);
}

/** Let go of a stream about to be removed, so nothing asks for it afterwards. */
export function releasing(id) {
  if (id !== selected) return;
  closeFeeds();
  hlsPlayer.stop();
}

/** The server kept a stream the page let go of. */
export function reattach(id) {
  if (id !== selected) return;
  openFeeds();
  if (mode === 'hls') hlsPlayer.play(selected, () => streams.get(selected));
}

export function select(id) {
  id = id ?? null;
  if (id === selected) return;
  closeFeeds();
  hlsPlayer.stop();
  restoredView.reset();
  originalView.reset();
  paintTimes.length = 0;
  selected = id;
  interir.selected = id;
  streams.markSelected(id);
  telemetry.reset();
  showText(el.error, '');
  if (id === null) {
    el.title.textContent = 'No stream selected';
    setStatus(null);
    tick();
    return;
  }
  el.title.textContent = id;
  const s = streams.get(id);
  setStatus(s && s.status, s && s.error);
  try {
    history.replaceState(null, '', `#${encodeURIComponent(id)}`);
  } catch (e) {
    // a sandboxed frame may not touch the history
  }
  openFeeds();
  if (mode === 'hls') hlsPlayer.play(id, () => streams.get(id));
  tick();
}

function hashId() {
  const h = location.hash.replace(/^#/, '');
  if (!h) return null;
  try {
    return decodeURIComponent(h);
  } catch (e) {
    return null;
  }
}

function setStatus(status, error) {
  lastStatus = status || null;
  lastError = error || null;
  if (!status) {
    el.status.hidden = true;
    return;
  }
  el.status.hidden = false;
  el.status.textContent = status;
  el.status.className = `badge ${statusClass(status)}`;
  showText(el.error, error && status !== 'live' ? error : '');
}

function onText(data) {
  let msg;
  try {
    msg = JSON.parse(data);
  } catch (e) {
    return;
  }
  if (!msg || msg.type !== 'stats' || msg.id !== selected) return;
  const fps = telemetry.update(msg);
  streams.takeStats(msg, fps);
  setStatus(msg.status, msg.error);
}

/**
 * The restored feed stays open in both modes (its stats feed the telemetry; its frames are not decoded in the
 * HLS mode); the original one only in the live frames mode.
 */
function openFeeds() {
  const id = selected;
  if (id === null) return;
  const common = {
    refused: (why) => showText(el.error, why),
    stillThere: async () => {
      await streams.refresh();
      return streams.serverReachable() && streams.get(id) !== undefined;
    }
  };
  if (!restoredFeed) {
    restoredFeed = new Feed(id, false, { ...common, binary: (b) => restoredView.push(b), text: onText });
  }
  restoredFeed.open();
  if (mode === 'ws') {
    if (!originalFeed) {
      originalFeed = new Feed(id, true, { ...common, binary: (b) => originalView.push(b), text: () => {} });
    }
    originalFeed.open();
  } else if (originalFeed) {
    originalFeed.close();
    originalFeed = null;
  }
}

function closeFeeds() {
  restoredFeed?.close();
  originalFeed?.close();
  restoredFeed = null;
  originalFeed = null;
}

function setMode(next) {
  next = next === 'hls' ? 'hls' : 'ws';
  const changed = next !== mode;
  mode = next;
  interir.mode = mode;
  const ws = mode === 'ws';
  el.modeWs.setAttribute('aria-selected', String(ws));
  el.modeHls.setAttribute('aria-selected', String(!ws));
  el.modeWs.tabIndex = ws ? 0 : -1;
  el.modeHls.tabIndex = ws ? -1 : 0;
  el.wsPanel.hidden = !ws;
  el.hlsPanel.hidden = ws;
  compare.enable(ws);
  restoredView.active = ws;
  originalView.active = ws;
  if (changed) {
    if (ws) {
      hlsPlayer.stop();
      restoredView.reset();
      originalView.reset();
      openFeeds();
    } else {
      openFeeds();
      if (selected !== null) hlsPlayer.play(selected, () => streams.get(selected));
    }
  }
  tick();
}

/** Once a second: the overlays over stale frames, the frames painted here per second, the HLS delay, buttons. */
function tick() {
  const serverDown = restoredFeed && !restoredFeed.connected && !streams.serverReachable();
  let text;
  if (selected === null) text = 'No stream selected';
  else if (serverDown) text = 'Server unreachable, retrying…';
  else if (lastStatus === 'connecting') text = 'Connecting to source…';
  else if (lastStatus === 'reconnecting') text = `Source unreachable, retrying…${lastError ? ` (${lastError})` : ''}`;
  else if (lastStatus === 'offline') text = `Source offline${lastError ? `: ${lastError}` : ''}`;
  else if (lastStatus === 'failed') text = `Failed${lastError ? `: ${lastError}` : ''}`;
  else if (lastStatus === 'stopped') text = 'Stream stopped';
  else text = 'Waiting for frames…';
  const live = lastStatus === 'live' && !serverDown;
  restoredView.setOverlay(text, live);
  originalView.setOverlay(text, live);

  const ws = mode === 'ws';
  const now = performance.now();
  while (paintTimes.length && now - paintTimes[0] > 2000) paintTimes.shift();
  interir.viewFps = paintTimes.length / 2;
  telemetry.setStat('view', `view ${ws && selected !== null ? `${interir.viewFps.toFixed(1)} fps` : '–'}`, !ws);
  const behind = hlsPlayer.latencySeconds();
  telemetry.setStat('hls', `hls ${behind === null ? '–' : `${behind.toFixed(1)} s behind`}`, ws);
  el.snapshot.disabled = ws ? !restoredView.hasFrame : !hlsPlayer.hasPicture();
}

function stamp() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Downloads the restored frame on screen (live frames or HLS video) as a PNG. */
function snapshot() {
  let source;
  if (mode === 'ws') {
    if (!restoredView.hasFrame) return;
    source = el.restored;
  } else {
    if (!hlsPlayer.hasPicture()) return;
    const v = hlsPlayer.video;
    source = document.createElement('canvas');
    source.width = v.videoWidth;
    source.height = v.videoHeight;
    source.getContext('2d').drawImage(v, 0, 0);
  }
  const name = `${String(selected || 'stream').replace(/[^A-Za-z0-9._-]+/g, '_')}-restored-${stamp()}.png`;
  source.toBlob((blob) => {
    if (!blob) return;
    const url = URL.createObjectURL(blob);
    el.download.href = url;
    el.download.download = name;
    el.download.click();
    interir.snapshots++;
    interir.lastSnapshotBytes = blob.size;
    setTimeout(() => URL.revokeObjectURL(url), 30000);
  }, 'image/png');
}

function initFullscreen() {
  const supported = Boolean(el.stage.requestFullscreen && document.exitFullscreen);
  const video = hlsPlayer.video;
  const label = () => {
    const on = Boolean(document.fullscreenElement);
    el.fullscreen.textContent = on ? 'Exit full screen' : 'Full screen';
    el.fullscreen.setAttribute('aria-pressed', String(on));
  };
  el.fullscreen.addEventListener('click', () => {
    if (document.fullscreenElement) {
      document.exitFullscreen().catch(() => {});
    } else if (supported) {
      el.stage.requestFullscreen().catch((e) => showText(el.error, `Full screen refused: ${e.message}`));
    } else if (mode === 'hls' && video.webkitEnterFullscreen) {
      try {
        video.webkitEnterFullscreen(); // iPhone: the video element only
      } catch (e) {
        // refused without a gesture
      }
    }
  });
  el.fullscreenExit.addEventListener('click', () => {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  });
  document.addEventListener('fullscreenchange', () => {
    label();
    (document.fullscreenElement ? el.fullscreenExit : el.fullscreen).focus({ preventScroll: true });
  });
  if (!supported && !video.webkitEnterFullscreen) el.fullscreen.hidden = true;
  label();
}
