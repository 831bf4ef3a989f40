/**
 * The "HLS video" mode: the restored H.264 stream through hls.js (vendor/hls.min.js, loaded by index.html as
 * window.Hls), or the browser's own HLS where it has one (Safari). A few seconds behind the live frames.
 */

import { hlsPlaylistUrl } from './api.js';
import { $ } from './dom.js';
import { toNum } from './format.js';

const WAIT_MS = 2000;
const RETRY_MS = 3000;

const video = $('hls-video');
const status = $('hls-status');

let hls = null;
let timer = 0;
let mediaRecoveries = 0;
let current = null;

export { video };

/**
 * Plays the stream's playlist shortly after the call, so flicking through the tabs starts no requests.
 * @param {string} id
 * @param {function(): (import('./api.js').Stream|undefined)} info  the stream as the list last saw it
 */
export function play(id, info) {
  stop();
  current = { id, info };
  timer = setTimeout(load, 300);
}

export function stop() {
  current = null;
  unload();
  say('');
}

/** Seconds behind live, or null. */
export function latencySeconds() {
  const s = hls && toNum(hls.latency);
  return s > 0 ? s : null;
}

export function hasPicture() {
  return video.readyState >= 2 && video.videoWidth > 0;
}

function unload() {
  if (timer) {
    clearTimeout(timer);
    timer = 0;
  }
  video.onerror = null;
  video.onloadedmetadata = null;
  if (hls) {
    const h = hls;
    hls = null;
    try {
      h.destroy();
    } catch (e) {
      // already torn down
    }
  }
  if (video.getAttribute('src')) {
    video.removeAttribute('src');
    try {
      video.load();
    } catch (e) {
      // nothing was loaded
    }
  }
}

function say(text) {
  status.textContent = text || '';
}

function retry(why, ms = RETRY_MS) {
  unload();
  say(why);
  if (current) timer = setTimeout(load, ms);
}

function playQuietly() {
  const p = video.play();
  if (p && typeof p.catch === 'function') p.catch(() => {}); // autoplay may be refused
}

function load() {
  timer = 0;
  if (!current) return;
  const s = current.info();
  // no playlist before the first restored frames: asking anyway is a 404 in the console
  if (!s || !s.hlsReady || !(toNum(s.framesOut) > 0)) {
    retry('Waiting for the first HLS segment…', WAIT_MS);
    return;
  }
  const url = hlsPlaylistUrl(current.id);
  const Hls = window.Hls;
  say('Loading HLS…');
  if (Hls && typeof Hls.isSupported === 'function' && Hls.isSupported()) {
    mediaRecoveries = 0;
    const h = hls = new Hls({ debug: false, enableWorker: true, liveSyncDurationCount: 2, lowLatencyMode: false });
    h.on(Hls.Events.MANIFEST_PARSED, () => {
      if (h !== hls) return;
      say('');
      playQuietly();
    });
    h.on(Hls.Events.ERROR, (evt, data) => {
      if (h !== hls || !data || !data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries < 2) {
        mediaRecoveries++;
        h.recoverMediaError();
        return;
      }
      const code = data.response && data.response.code;
      retry(`HLS error: ${data.details || data.type}${code ? ` (HTTP ${code})` : ''}, retrying…`);
    });
    h.loadSource(url);
    h.attachMedia(video);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.onerror = () => retry('HLS playback error, retrying…');
    video.onloadedmetadata = () => {
      say('');
      playQuietly();
    };
    video.src = url;
  } else {
    say('This browser cannot play HLS; use the live frames view.');
  }
}
