/**
 * The live frames of one stream: a WebSocket that reconnects (Feed) and a canvas that paints the newest JPEG
 * it brought (FrameView). The restored feed also carries the stats messages.
 */

import { CLOSE, streamSocketUrl } from './api.js';

/** No frame for this long: the overlay over the frame says why. */
const STALE_MS = 3000;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 5000;

function decodeJpeg(blob) {
  if (typeof createImageBitmap === 'function') return createImageBitmap(blob);
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(blob);
    const img = new Image();
    img.onload = () => {
      URL.revokeObjectURL(url);
      resolve(img);
    };
    img.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error('undecodable frame'));
    };
    img.src = url;
  });
}

function release(img) {
  if (img && typeof img.close === 'function') img.close();
}

/**
 * Decodes JPEG blobs and paints only the newest, once per animation frame: at most one decode in flight and one
 * decoded frame waiting, older ones dropped, so a slow client never builds a backlog.
 */
export class FrameView {
  constructor(canvas, overlay, onPaint) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.overlay = overlay;
    this.onPaint = onPaint;
    this.pending = null;
    this.ready = null;
    this.decoding = false;
    this.rafId = 0;
    this.generation = 0;
    this.active = true;
    this.lastFrameAt = 0;
    this.hasFrame = false;
  }

  push(blob) {
    if (!this.active) return;
    this.pending = blob;
    this.lastFrameAt = Date.now();
    if (!this.decoding) this.decodeNext();
  }

  async decodeNext() {
    const blob = this.pending;
    if (!blob) return;
    this.pending = null;
    this.decoding = true;
    const generation = this.generation;
    try {
      const img = await decodeJpeg(blob);
      if (generation !== this.generation || !this.active) {
        release(img);
      } else {
        release(this.ready);
        this.ready = img;
        if (!this.rafId) this.rafId = requestAnimationFrame(() => this.paint());
      }
    } catch (e) {
      // a truncated frame: the next one replaces it
    }
    this.decoding = false;
    this.decodeNext();
  }

  paint() {
    this.rafId = 0;
    const img = this.ready;
    this.ready = null;
    if (!img) return;
    const w = img.width || img.naturalWidth;
    const h = img.height || img.naturalHeight;
    if (w && h) {
      if (this.canvas.width !== w) this.canvas.width = w;
      if (this.canvas.height !== h) this.canvas.height = h;
      this.ctx.drawImage(img, 0, 0, w, h);
      this.hasFrame = true;
      this.overlay.hidden = true;
      this.onPaint();
    }
    release(img);
  }

  /** A stream switch: drop queued frames and blank the canvas. */
  reset() {
    this.generation++;
    this.pending = null;
    release(this.ready);
    this.ready = null;
    if (this.rafId) {
      cancelAnimationFrame(this.rafId);
      this.rafId = 0;
    }
    this.lastFrameAt = 0;
    this.hasFrame = false;
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /**
   * Over a frame gone stale: the reason across it, or, while the stream is live and only slow, the frame's age
   * in a corner.
   */
  setOverlay(text, live) {
    const age = Date.now() - this.lastFrameAt;
    const o = this.overlay;
    if (age <= STALE_MS) {
      o.hidden = true;
      return;
    }
    if (!text) return;
    const corner = live && this.hasFrame;
    o.classList.toggle('corner', corner);
    o.textContent = corner ? `last frame ${Math.round(age / 1000)} s ago` : text;
    o.hidden = false;
  }
}

/**
 * A WebSocket on ws/streams/{id} (or its /original) that reconnects with backoff until closed. Before each
 * reconnect it asks stillThere(): a removed stream is not asked for again (a refused upgrade is an error in
 * the console).
 */
export class Feed {
  /**
   * @param {{binary: function(Blob): void, text: function(string): void, refused: function(string): void,
   *          stillThere: function(): Promise<boolean>}} handlers
   */
  constructor(streamId, original, handlers) {
    this.url = streamSocketUrl(streamId, original);
    this.h = handlers;
    this.ws = null;
    this.retry = 0;
    this.timer = 0;
    this.closed = true;
    this.connected = false;
  }

  /** Connects at once: the caller opens feeds only for a stream the list has just shown. */
  open() {
    this.closed = false;
    if (!this.ws && !this.timer) this.connect();
  }

  connect() {
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (e) {
      this.reconnect(RETRY_MAX_MS);
      return;
    }
    ws.binaryType = 'blob';
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.retry = 0;
      this.connected = true;
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      if (typeof ev.data === 'string') this.h.text(ev.data);
      else this.h.binary(ev.data);
    };
    ws.onerror = () => {}; // a close event always follows
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.connected = false;
      if (ev.code === CLOSE.TRY_AGAIN_LATER) {
        this.h.refused(`Server refused the view: ${ev.reason || 'too many viewers'}`);
        this.reconnect(RETRY_MAX_MS);
      } else {
        this.reconnect(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** this.retry));
        this.retry = Math.min(this.retry + 1, 8);
      }
    };
  }

  reconnect(delay) {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(async () => {
      // the stream may be gone (closed with 1001) or the server down: ask before knocking
      const there = await this.h.stillThere().catch(() => false);
      this.timer = 0;
      if (this.closed) return;
      if (there) this.connect();
      else this.reconnect(RETRY_MAX_MS);
    }, delay);
  }

  close() {
    this.closed = true;
    this.connected = false;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = 0;
    }
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onmessage = null;
    ws.onclose = null;
    if (ws.readyState === WebSocket.CONNECTING) {
      // closing a socket that is still connecting makes browsers log an error: let it open, then close it
      ws.onopen = () => ws.close(1000);
    } else {
      ws.onopen = null;
      try {
        ws.close(1000);
      } catch (e) {
        // already closed
      }
    }
  }
}
