/*
 * InterIR Stream viewer. Vanilla JS, no build step, no network dependencies
 * beyond the InterIR server itself. All URLs are relative to the page, so the
 * viewer works wherever the server mounts it.
 *
 * Test hooks: window.interir = { framesPainted, framesPaintedOriginal, viewFps,
 * lastStats, statsCount, residualHistory, chartDraws, selected, mode, layout,
 * split, streams, jobsShown, snapshots, lastSnapshotBytes }.
 */
(function () {
  'use strict';

  var POLL_MS = 2000;
  var JOBS_POLL_MS = 3000;
  var STALE_MS = 3000;          // no frame for this long -> show overlay
  var RETRY_MIN_MS = 500;
  var RETRY_MAX_MS = 5000;
  var HISTORY = 60;             // stats messages kept for the residual history (about a minute)
  var WS_UNKNOWN_STREAM = 4404; // close code the server may use for "no such stream"

  var interir = window.interir = {
    framesPainted: 0,           // restored frames drawn on #restored
    framesPaintedOriginal: 0,   // original frames drawn on #original
    viewFps: 0,                 // restored frames painted per second, in this browser
    lastStats: {},              // last stats message for the selected stream
    statsCount: 0,              // stats messages received for the selected stream
    residualHistory: [],        // [{t, first, last, stages, warm}] of the selected stream
    chartDraws: 0,              // residual chart drawn with data
    selected: null,             // selected stream id
    mode: 'ws',                 // 'ws' | 'hls'
    layout: 'side',             // 'side' | 'split'
    split: 50,                  // split slider position, % of the width showing the original
    streams: [],                // last api/streams answer
    jobsShown: false,           // api/jobs answered 200
    snapshots: 0,               // PNG snapshots downloaded
    lastSnapshotBytes: 0
  };

  function $(id) { return document.getElementById(id); }
  function noop() {}

  var el = {
    list: $('stream-list'), listError: $('list-error'), listEmpty: $('list-empty'),
    conn: $('conn-status'),
    form: $('add-form'), addId: $('add-id'), addKind: $('add-kind'), addSource: $('add-source'),
    addSourceLabel: $('add-source-label'), addHint: $('add-hint'),
    addSubmit: $('add-submit'), addError: $('add-error'),
    jobsPanel: $('jobs-panel'), jobList: $('job-list'), jobsEmpty: $('jobs-empty'),
    title: $('viewer-title'), status: $('viewer-status'), viewerError: $('viewer-error'),
    modeWs: $('mode-ws'), modeHls: $('mode-hls'),
    layoutSide: $('layout-side'), layoutSplit: $('layout-split'),
    snapshot: $('snapshot'), fullscreen: $('fullscreen'), download: $('download-link'),
    stage: $('stage'), wsPanel: $('ws-panel'), hlsPanel: $('hls-panel'),
    compare: $('compare'), originalFigure: $('original-figure'),
    originalBox: $('original-box'), restoredBox: $('restored-box'), handle: $('split-handle'),
    restored: $('restored'), original: $('original'),
    restoredOverlay: $('restored-overlay'), originalOverlay: $('original-overlay'),
    video: $('hls-video'), hlsStatus: $('hls-status'),
    stats: $('stats'), chart: $('residual-chart'), chartText: $('residual-text'),
    routing: $('routing'), routingText: $('routing-text')
  };

  var state = {
    streams: [],
    byId: {},
    selected: null,
    mode: 'ws',
    layout: 'side',
    split: 50,
    serverOk: null,
    lastStatus: null,
    lastError: null,
    maxStages: 0
  };

  // ---------------------------------------------------------------- helpers

  function isNum(v) { return typeof v === 'number' && isFinite(v); }
  function toNum(v) {
    if (isNum(v)) return v;
    if (typeof v === 'string' && v.trim() !== '' && isFinite(Number(v))) return Number(v);
    return null;
  }
  function fmt(v, digits) {
    var n = toNum(v);
    return n === null ? '–' : n.toFixed(digits || 0);
  }
  function fmtSig(v) {
    var n = toNum(v);
    if (n === null) return '–';
    if (n === 0) return '0';
    var a = Math.abs(n);
    if (a >= 1000 || a < 0.001) return n.toExponential(1);
    return String(Number(n.toPrecision(3)));
  }
  function fmtDuration(sec) {
    var n = toNum(sec);
    if (n === null || n < 0) return '–';
    n = Math.round(n);
    var h = Math.floor(n / 3600), m = Math.floor(n % 3600 / 60), s = n % 60;
    var mm = (h && m < 10 ? '0' : '') + m, ss = (s < 10 ? '0' : '') + s;
    return (h ? h + ':' : '') + mm + ':' + ss;
  }
  function maskSource(src) {
    // never show credentials embedded in rtsp://user:pass@host URLs
    return String(src == null ? '' : src).replace(/\/\/[^\/@\s]*@/, '//***@');
  }
  var KNOWN_STATUS = { connecting: 1, live: 1, reconnecting: 1, offline: 1, failed: 1, stopped: 1 };
  function statusClass(s) { return KNOWN_STATUS[s] ? 'status-' + s : 'status-unknown'; }

  function wsUrl(path) {
    var u = new URL(path, location.href);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    u.hash = '';
    return u.href;
  }

  /** Reads the error message of a failed response: JSON {error}, else text, else status. */
  function readError(res) {
    return res.text().then(function (t) {
      try {
        var j = JSON.parse(t);
        if (j && j.error) return String(j.error);
        if (j && j.message) return String(j.message);
      } catch (e) { /* not JSON */ }
      t = (t || '').trim();
      if (t && t.length < 300 && t.charAt(0) !== '<') return t;
      return 'HTTP ' + res.status + (res.statusText ? ' ' + res.statusText : '');
    }, function () { return 'HTTP ' + res.status; });
  }

  function showText(node, text) {
    node.textContent = text || '';
    node.hidden = !text;
  }

  function store(key, value) {
    try { window.localStorage.setItem('interir.' + key, String(value)); } catch (e) { /* private mode */ }
  }
  function stored(key) {
    try { return window.localStorage.getItem('interir.' + key); } catch (e) { return null; }
  }

  // ------------------------------------------------------------ frame views

  /**
   * Decodes JPEG blobs and paints only the newest one, once per animation
   * frame. At most one decode in flight and one decoded frame waiting; older
   * frames are dropped, so a slow client never builds a backlog.
   */
  function FrameView(canvas, overlay, onPaint) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.overlay = overlay;
    this.onPaint = onPaint;
    this.pending = null;
    this.ready = null;
    this.decoding = false;
    this.rafId = 0;
    this.gen = 0;
    this.active = true;
    this.lastFrameAt = 0;
    this.hasFrame = false;
  }

  function decodeJpeg(blob) {
    if (typeof window.createImageBitmap === 'function') return window.createImageBitmap(blob);
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(blob);
      var img = new Image();
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error('undecodable frame')); };
      img.src = url;
    });
  }
  function release(img) { if (img && typeof img.close === 'function') img.close(); }

  FrameView.prototype.push = function (blob) {
    if (!this.active) return;
    this.pending = blob;
    this.lastFrameAt = Date.now();
    if (!this.decoding) this.decodeNext();
  };

  FrameView.prototype.decodeNext = function () {
    var self = this;
    var blob = this.pending;
    if (!blob) return;
    this.pending = null;
    this.decoding = true;
    var gen = this.gen;
    decodeJpeg(blob).then(function (img) {
      if (gen !== self.gen || !self.active) { release(img); return; }
      release(self.ready);
      self.ready = img;
      if (!self.rafId) self.rafId = requestAnimationFrame(function () { self.paint(); });
    }, noop).then(function () {
      self.decoding = false;
      self.decodeNext();
    });
  };

  FrameView.prototype.paint = function () {
    this.rafId = 0;
    var img = this.ready;
    this.ready = null;
    if (!img) return;
    var w = img.width || img.naturalWidth, h = img.height || img.naturalHeight;
    if (w && h) {
      if (this.canvas.width !== w) this.canvas.width = w;
      if (this.canvas.height !== h) this.canvas.height = h;
      this.ctx.drawImage(img, 0, 0, w, h);
      this.hasFrame = true;
      this.overlay.hidden = true;
      this.onPaint();
    }
    release(img);
  };

  /** Forget everything (stream switch): drop queued frames and blank the canvas. */
  FrameView.prototype.reset = function () {
    this.gen++;
    this.pending = null;
    release(this.ready);
    this.ready = null;
    if (this.rafId) { cancelAnimationFrame(this.rafId); this.rafId = 0; }
    this.lastFrameAt = 0;
    this.hasFrame = false;
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
  };

  /**
   * Over a frame that has gone stale: the reason (text) across the frame, or, while the
   * stream is live and only slow, a small note of the frame's age in a corner.
   */
  FrameView.prototype.setOverlay = function (text, live) {
    var age = Date.now() - this.lastFrameAt;
    var o = this.overlay;
    if (age <= STALE_MS || !text) {
      if (age <= STALE_MS) o.hidden = true;
      return;
    }
    var corner = live && this.hasFrame;
    o.classList.toggle('corner', corner);
    o.textContent = corner ? 'last frame ' + Math.round(age / 1000) + ' s ago' : text;
    o.hidden = false;
  };

  var paintTimes = [];
  var restoredView = new FrameView(el.restored, el.restoredOverlay, function () {
    interir.framesPainted++;
    paintTimes.push(performance.now());
    if (paintTimes.length > 240) paintTimes.splice(0, paintTimes.length - 240);
  });
  var originalView = new FrameView(el.original, el.originalOverlay, function () { interir.framesPaintedOriginal++; });

  /** Restored frames painted in the last two seconds, per second. */
  function measureViewFps() {
    var now = performance.now();
    while (paintTimes.length && now - paintTimes[0] > 2000) paintTimes.shift();
    interir.viewFps = paintTimes.length / 2;
    return interir.viewFps;
  }

  // ------------------------------------------------------------ websockets

  /**
   * A WebSocket that reconnects with backoff until closed. Before reconnecting it
   * asks the server whether the stream still exists, so a removed stream is
   * never asked for again (that would be a failed handshake in the console).
   */
  function Feed(path, streamId, handlers) {
    this.path = path;
    this.streamId = streamId;
    this.h = handlers;
    this.ws = null;
    this.retry = 0;
    this.timer = 0;
    this.closed = true;
    this.connected = false;
  }

  Feed.prototype.open = function () {
    this.closed = false;
    if (!this.ws && !this.timer) this.connect();
  };

  Feed.prototype.connect = function () {
    var self = this;
    this.timer = 0;
    if (this.closed) return;
    if (state.serverOk === false || !state.byId[this.streamId]) {
      // server down or stream gone: wait for the list poll instead of
      // filling the console with failed handshakes
      this.scheduleRetry(0);
      return;
    }
    var ws;
    try {
      ws = new WebSocket(wsUrl(this.path));
    } catch (e) {
      this.scheduleRetry(0);
      return;
    }
    ws.binaryType = 'blob';
    this.ws = ws;
    ws.onopen = function () {
      if (self.ws !== ws) return;
      self.retry = 0;
      self.connected = true;
    };
    ws.onmessage = function (ev) {
      if (self.ws !== ws) return;
      if (typeof ev.data === 'string') self.h.text(ev.data);
      else self.h.binary(ev.data);
    };
    ws.onerror = noop; // a close event always follows
    ws.onclose = function (ev) {
      if (self.ws !== ws) return;
      self.ws = null;
      self.connected = false;
      if (ev.code === 1013 || ev.code === 1008) {
        showText(el.viewerError, 'Server refused the view: ' + (ev.reason || 'code ' + ev.code));
      }
      self.scheduleRetry(ev.code);
    };
  };

  Feed.prototype.scheduleRetry = function (code) {
    if (this.closed || this.timer) return;
    var delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * Math.pow(2, this.retry));
    this.retry = Math.min(this.retry + 1, 8);
    if (code === WS_UNKNOWN_STREAM || code === 1008 || code === 1013) delay = RETRY_MAX_MS;
    var self = this;
    this.timer = setTimeout(function () {
      if (self.closed) { self.timer = 0; return; }
      // refresh the list first: the stream may have been removed (close code 1001)
      poll().then(function () {
        self.timer = 0;
        if (self.closed) return;
        if (state.serverOk !== false && state.byId[self.streamId]) self.connect();
        else self.scheduleRetry(0);
      });
    }, delay);
  };

  Feed.prototype.close = function () {
    this.closed = true;
    this.connected = false;
    if (this.timer) { clearTimeout(this.timer); this.timer = 0; }
    var ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onmessage = null;
    ws.onclose = null;
    ws.onerror = noop;
    if (ws.readyState === WebSocket.CONNECTING) {
      // closing a socket that is still connecting makes browsers log an error;
      // let it open, then close it quietly.
      ws.onopen = function () { ws.close(1000); };
    } else {
      ws.onopen = null;
      try { ws.close(1000); } catch (e) { /* already closed */ }
    }
  };

  var restoredFeed = null;
  var originalFeed = null;

  function handleText(data, fromRestored) {
    var msg;
    try { msg = JSON.parse(data); } catch (e) { return; }
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'stats' || (msg.type == null && ('fps' in msg || 'residuals' in msg))) {
      if (fromRestored) onStats(msg);
    } else if (msg.type === 'error' || typeof msg.error === 'string') {
      showText(el.viewerError, String(msg.error || msg.message || 'stream error'));
    }
  }

  /** The original frames are needed only in the live frames mode (side by side or split). */
  function openFeeds() {
    var id = state.selected;
    if (id == null) return;
    var base = 'ws/streams/' + encodeURIComponent(id);
    if (!restoredFeed) {
      // in HLS mode this feed stays open for the stats (its frames are not decoded)
      restoredFeed = new Feed(base, id, {
        binary: function (b) { restoredView.push(b); },
        text: function (t) { handleText(t, true); }
      });
    }
    restoredFeed.open();
    if (state.mode === 'ws') {
      if (!originalFeed) {
        originalFeed = new Feed(base + '/original', id, {
          binary: function (b) { originalView.push(b); },
          text: function (t) { handleText(t, false); }
        });
      }
      originalFeed.open();
    } else if (originalFeed) {
      originalFeed.close();
      originalFeed = null;
    }
  }

  function closeFeeds() {
    if (restoredFeed) { restoredFeed.close(); restoredFeed = null; }
    if (originalFeed) { originalFeed.close(); originalFeed = null; }
  }

  // ------------------------------------------------------------ stats

  function setStat(key, text, hidden) {
    var span = el.stats.querySelector('[data-k="' + key + '"]');
    if (!span) return;
    span.textContent = text;
    if (hidden !== undefined) span.hidden = hidden;
  }

  /**
   * Frames restored per second: the server's figure, or, when that reads 0 while frames
   * still come out (its two-second window is empty below 1 fps), the rate of framesOut
   * over the last stats messages.
   */
  var outSamples = [];
  function restoredFps(s) {
    var fps = toNum(s.fps);
    var out = toNum(s.framesOut);
    if (out === null) return fps;
    var now = Date.now();
    outSamples.push([now, out]);
    while (outSamples.length > 2 && now - outSamples[0][0] > 10000) outSamples.shift();
    if (fps !== null && fps > 0) return fps;
    var first = outSamples[0], dt = (now - first[0]) / 1000;
    return dt >= 2 && out > first[1] ? (out - first[1]) / dt : fps;
  }
  var fpsEstimate = null; // restoredFps of the selected stream, for its list item between stats messages

  function renderStats(s) {
    s = s || {};
    if (toNum(s.framesOut) === 0) {
      // nothing restored yet: the per-frame figures are placeholders, not measurements
      s = Object.assign({}, s, { latencyMs: null, stagesRun: null, warm: null });
    }
    setStat('fps', 'fps ' + fmt(s.fps, 1));
    setStat('latency', 'latency ' + (toNum(s.latencyMs) === null ? '–' : fmt(s.latencyMs, 0) + ' ms'));
    setStat('frames', 'frames in ' + fmt(s.framesIn) + ' / out ' + fmt(s.framesOut));
    setStat('dropped', 'dropped ' + fmt(s.dropped));
    var stages = toNum(s.stagesRun);
    var text = 'stages ' + (stages === null ? '–' : fmtSig(stages) + (state.maxStages ? ' / ' + state.maxStages : ''));
    if (typeof s.warm === 'boolean') text += s.warm ? ' · warm' : ' · cold';
    if (toNum(s.skippedTiles) > 0) text += ' · ' + s.skippedTiles + ' tiles reused';
    if (toNum(s.stillTiles) > 0) text += ' · ' + s.stillTiles + ' still tiles (no stage)';
    setStat('stages', text);
    setStat('size', toNum(s.width) && toNum(s.height) ? s.width + '×' + s.height : '–');
  }

  function onStats(s) {
    if (s.id != null && String(s.id) !== String(state.selected)) return;
    interir.lastStats = s;
    interir.statsCount++;
    var fps = fpsEstimate = restoredFps(s);
    var values = Array.isArray(s.residuals) ? s.residuals.map(toNum).filter(function (v) { return v !== null; }) : [];
    if (values.length > state.maxStages) state.maxStages = values.length;
    if (values.length) {
      var h = interir.residualHistory;
      h.push({ t: Date.now(), first: values[0], last: values[values.length - 1],
        stages: toNum(s.stagesRun), warm: s.warm === true });
      if (h.length > HISTORY) h.splice(0, h.length - HISTORY);
    }
    renderStats(s);
    setStat('fps', 'fps ' + fmt(fps, 1));
    drawResiduals(s);
    renderRouting(s.routing);
    if (typeof s.status === 'string') setViewerStatus(s.status, s.error);
    // the stats message is fresher than the list poll: show its numbers in the list too
    var cur = state.byId[String(state.selected)];
    if (cur) {
      ['status', 'dropped', 'latencyMs', 'framesIn', 'framesOut', 'reconnects'].forEach(function (k) {
        if (k in s) cur[k] = s[k];
      });
      if (fps !== null) cur.fps = fps;
      cur.error = s.error;
      Array.prototype.forEach.call(el.list.children, function (li) {
        if (li.dataset.id === String(state.selected)) updateItem(li, cur);
      });
    }
  }

  // residual chart -------------------------------------------------------

  var chartColors = null;
  function colors() {
    if (!chartColors) {
      var cs = getComputedStyle(document.documentElement);
      var g = function (n, d) { return (cs.getPropertyValue(n) || '').trim() || d; };
      chartColors = {
        fg: g('--fg', '#e6e9ef'), muted: g('--muted', '#8b93a3'), grid: g('--grid', '#2a3140'),
        bar: g('--accent', '#36a3ff'), dim: g('--dim-bar', '#3b4a63'), warn: g('--warn', '#f5b942')
      };
    }
    return chartColors;
  }

  /**
   * Left: this second's ||F_k|| per stage (bars; stages a warm start skipped are
   * hollow). Right: the last minute of the final stage's residual (line) and of
   * the stages run per frame (steps).
   */
  function drawResiduals(s) {
    var canvas = el.chart;
    var ctx = canvas.getContext('2d');
    var dpr = window.devicePixelRatio || 1;
    var cssW = canvas.clientWidth || 360, cssH = canvas.clientHeight || 150;
    var pw = Math.round(cssW * dpr), ph = Math.round(cssH * dpr);
    if (canvas.width !== pw) canvas.width = pw;
    if (canvas.height !== ph) canvas.height = ph;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    var c = colors();
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'alphabetic';

    var values = (s && Array.isArray(s.residuals)) ? s.residuals.map(toNum) : [];
    if (!values.length) {
      ctx.fillStyle = c.muted;
      ctx.textAlign = 'center';
      ctx.fillText('no residuals yet', cssW / 2, cssH / 2);
      el.chartText.textContent = 'No residual data yet.';
      return;
    }
    interir.chartDraws++;
    var total = Math.max(state.maxStages, values.length);
    // a warm start runs the last stages only; otherwise the stages run are the first ones
    var offset = (s.warm === true && values.length < total) ? total - values.length : 0;
    var max = 0;
    values.forEach(function (v) { if (v !== null && Math.abs(v) > max) max = Math.abs(v); });
    if (!(max > 0)) max = 1;

    var padT = 16, padB = 18, plotH = cssH - padT - padB;
    var barsW = cssW >= 280 ? Math.round(cssW * 0.55) : cssW;
    var slot = (barsW - 12) / total;
    var barW = Math.max(2, Math.min(44, slot * 0.6));

    ctx.strokeStyle = c.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(6, padT + plotH + 0.5);
    ctx.lineTo(barsW - 6, padT + plotH + 0.5);
    ctx.stroke();

    var tops = [];
    ctx.textAlign = 'center';
    for (var i = 0; i < total; i++) {
      var x = 6 + slot * i + slot / 2;
      var vi = i - offset;
      var v = vi >= 0 && vi < values.length ? values[vi] : undefined;
      if (v === undefined) {
        // skipped by the warm start (or not run)
        ctx.strokeStyle = c.dim;
        ctx.setLineDash([3, 3]);
        ctx.strokeRect(x - barW / 2 + 0.5, padT + plotH * 0.6 + 0.5, barW - 1, plotH * 0.4 - 1);
        ctx.setLineDash([]);
        ctx.fillStyle = c.muted;
        ctx.fillText('skip', x, padT + plotH * 0.6 - 3);
      } else {
        var h = v === null ? 0 : Math.abs(v) / max * plotH;
        ctx.fillStyle = c.bar;
        ctx.fillRect(x - barW / 2, padT + plotH - h, barW, h);
        tops.push([x, padT + plotH - h]);
        ctx.fillStyle = c.fg;
        ctx.fillText(fmtSig(v), x, Math.max(11, padT + plotH - h - 3));
      }
      ctx.fillStyle = c.muted;
      ctx.fillText('k=' + (i + 1), x, cssH - 4);
    }
    if (tops.length > 1) {
      ctx.strokeStyle = c.fg;
      ctx.globalAlpha = 0.5;
      ctx.beginPath();
      tops.forEach(function (p, j) { if (j) ctx.lineTo(p[0], p[1]); else ctx.moveTo(p[0], p[1]); });
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
    if (barsW < cssW) drawHistory(ctx, barsW + 8, cssW - 4, padT, plotH, c);

    var stagesText = values.map(function (v, j) { return 'stage ' + (j + 1 + offset) + ': ' + fmtSig(v); }).join(', ');
    el.chartText.textContent = 'Residual per stage: ' + stagesText +
      (offset ? '; stages 1 to ' + offset + ' skipped by the warm start.' : '.');
  }

  /** The last minute: the final stage's residual (line, upper lane) and stages run per frame (steps, lower lane). */
  function drawHistory(ctx, x0, x1, padT, plotH, c) {
    var hist = interir.residualHistory;
    var w = x1 - x0;
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
    ctx.fillText('last ' + HISTORY + ' s', x0 + w / 2, padT + plotH + 14);
    if (!hist.length) return;
    var laneH = plotH * 0.62, stagesTop = padT + laneH + 6, stagesH = plotH - laneH - 10;
    var max = 0;
    hist.forEach(function (p) { if (Math.abs(p.last) > max) max = Math.abs(p.last); });
    if (!(max > 0)) max = 1;
    max *= 1.15;
    var stagesMax = Math.max(1, state.maxStages);
    // the line fills the box while the history grows, then scrolls
    var n = Math.max(1, Math.min(HISTORY - 1, hist.length - 1));
    var xAt = function (i) { return x0 + 4 + (w - 8) * (hist.length === 1 ? 1 : (i - (hist.length - 1 - n)) / n); };
    var yRes = function (p) { return padT + 4 + (laneH - 4) * (1 - Math.abs(p.last) / max); };
    var ySt = function (p) { return stagesTop + stagesH * (1 - Math.min(1, (toNum(p.stages) || 0) / stagesMax)); };

    ctx.lineWidth = 1.5;
    ctx.strokeStyle = c.warn;
    ctx.beginPath();
    var prevY = 0;
    hist.forEach(function (p, i) {
      var y = ySt(p);
      if (i) { ctx.lineTo(xAt(i), prevY); ctx.lineTo(xAt(i), y); } else ctx.moveTo(xAt(i), y);
      prevY = y;
    });
    if (hist.length === 1) ctx.lineTo(xAt(0) - 6, prevY);
    ctx.stroke();
    ctx.strokeStyle = c.bar;
    ctx.beginPath();
    hist.forEach(function (p, i) { if (i) ctx.lineTo(xAt(i), yRes(p)); else ctx.moveTo(xAt(i), yRes(p)); });
    ctx.stroke();
    ctx.lineWidth = 1;
    var last = hist[hist.length - 1];
    ctx.fillStyle = c.bar;
    ctx.beginPath();
    ctx.arc(xAt(hist.length - 1), yRes(last), 2.5, 0, 2 * Math.PI);
    ctx.fill();
    ctx.textAlign = 'right';
    ctx.fillText(fmtSig(last.last), x1 - 6, Math.max(padT + 12, yRes(last) - 5));
    ctx.fillStyle = c.warn;
    ctx.fillText(fmtSig(last.stages), x1 - 6, Math.max(stagesTop + 10, ySt(last) - 3));
  }

  // routing weights -------------------------------------------------------

  function renderRouting(routing) {
    var box = el.routing;
    while (box.firstChild) box.removeChild(box.firstChild);
    if (!Array.isArray(routing) || !routing.length) {
      var p = document.createElement('p');
      p.className = 'muted';
      p.textContent = 'no routing data yet';
      box.appendChild(p);
      el.routingText.textContent = 'No routing data yet.';
      return;
    }
    // either [w, w, ...] or [[w, ...] per layer, ...]
    var rows = routing.every(Array.isArray) ? routing : [routing];
    var described = [];
    rows.forEach(function (row, r) {
      var div = document.createElement('div');
      div.className = 'route-row';
      if (rows.length > 1) {
        var lab = document.createElement('span');
        lab.className = 'route-label';
        lab.textContent = String(r + 1);
        div.appendChild(lab);
      }
      var nums = row.map(toNum);
      var max = 0;
      nums.forEach(function (v) { if (v !== null && v > max) max = v; });
      if (!(max > 0)) max = 1;
      nums.forEach(function (v, i) {
        var bar = document.createElement('span');
        bar.className = 'route-bar';
        var pct = v === null ? 0 : Math.max(0, Math.min(1, v / max)) * 100;
        var fill = document.createElement('span');
        fill.className = 'route-fill';
        fill.style.height = pct.toFixed(1) + '%';
        bar.appendChild(fill);
        if (row.length <= 16) {
          var val = document.createElement('span');
          val.className = 'route-value';
          val.textContent = v === null ? '–' : Math.round(v * 100) + '%';
          bar.appendChild(val);
        }
        bar.title = (rows.length > 1 ? 'layer ' + (r + 1) + ', ' : '') + 'kernel ' + (i + 1) + ': ' + fmtSig(v);
        div.appendChild(bar);
      });
      box.appendChild(div);
      described.push(nums.map(function (v, i) { return 'kernel ' + (i + 1) + ' ' + fmtSig(v); }).join(', '));
    });
    el.routingText.textContent = 'Routing weights: ' + described.join('; ') + '.';
  }

  // ------------------------------------------------------------ stream list

  function createItem(id) {
    var li = document.createElement('li');
    li.className = 'stream-item';
    li.dataset.id = id;

    var sel = document.createElement('button');
    sel.type = 'button';
    sel.className = 'stream-select';
    var name = document.createElement('span');
    name.className = 'stream-id';
    name.textContent = id;
    var badge = document.createElement('span');
    badge.className = 'badge';
    var meta = document.createElement('span');
    meta.className = 'stream-meta';
    sel.appendChild(name);
    sel.appendChild(badge);
    sel.appendChild(meta);
    sel.addEventListener('click', function () { select(id); });

    var rm = document.createElement('button');
    rm.type = 'button';
    rm.className = 'stream-remove';
    rm.textContent = 'Remove';
    rm.setAttribute('aria-label', 'Remove stream ' + id);
    rm.addEventListener('click', function (ev) { ev.stopPropagation(); removeStream(id, li); });

    var err = document.createElement('span');
    err.className = 'stream-error error';
    err.hidden = true;

    li.appendChild(sel);
    li.appendChild(rm);
    li.appendChild(err);
    return li;
  }

  function updateItem(li, s) {
    var badge = li.querySelector('.badge');
    var status = String(s.status || 'unknown');
    badge.textContent = status;
    badge.className = 'badge ' + statusClass(status);
    var fps = toNum(s.fps);
    if (fps === 0 && String(s.id) === String(state.selected) && fpsEstimate > 0) fps = fpsEstimate;
    var meta = fmt(fps, 1) + ' fps · ' + fmt(s.dropped) + ' dropped';
    var lat = toNum(s.latencyMs);
    if (status === 'live' && lat !== null) meta += ' · ' + (lat >= 1000 ? fmt(lat / 1000, 1) + ' s' : fmt(lat, 0) + ' ms');
    if (toNum(s.reconnects) > 0) meta += ' · ' + s.reconnects + ' reconnect' + (s.reconnects > 1 ? 's' : '');
    li.querySelector('.stream-meta').textContent = meta;
    var sel = li.querySelector('.stream-select');
    sel.title = maskSource(s.source) + (s.error ? '\n' + s.error : '');
    sel.setAttribute('aria-label', s.id + ', ' + status + ', ' + meta + (s.error ? ', ' + s.error : ''));
    var current = String(state.selected) === String(s.id);
    li.classList.toggle('selected', current);
    if (current) sel.setAttribute('aria-current', 'true'); else sel.removeAttribute('aria-current');
    // why a stream is not live (failed, offline, reconnecting) stays visible under the item
    var err = li.querySelector('.stream-error');
    if (!err.dataset.local) showText(err, s.error && status !== 'live' ? String(s.error) : '');
  }

  function renderList() {
    var existing = {};
    Array.prototype.forEach.call(el.list.children, function (li) { existing[li.dataset.id] = li; });
    state.streams.forEach(function (s, i) {
      var id = String(s.id);
      var li = existing[id] || createItem(id);
      delete existing[id];
      updateItem(li, s);
      if (el.list.children[i] !== li) el.list.insertBefore(li, el.list.children[i] || null);
    });
    Object.keys(existing).forEach(function (id) {
      var li = existing[id];
      if (li.contains(document.activeElement)) el.addId.focus();
      li.parentNode.removeChild(li);
    });
    el.listEmpty.hidden = state.streams.length > 0;
  }

  function applyStreams(list) {
    var clean = list.filter(function (s) {
      return s && typeof s === 'object' && (typeof s.id === 'string' || typeof s.id === 'number');
    });
    state.streams = clean;
    state.byId = {};
    clean.forEach(function (s) { state.byId[String(s.id)] = s; });
    interir.streams = clean;
    renderList();

    if (state.selected != null && state.byId[state.selected]) {
      var cur = state.byId[state.selected];
      setViewerStatus(cur.status, cur.error);
    } else {
      var want = hashId();
      var next = want && state.byId[want] ? want : (clean.length ? String(clean[0].id) : null);
      select(next);
    }
  }

  var pollSeq = 0;
  var pollTimer = 0;
  var pollInFlight = null;
  /** Refreshes the stream list; concurrent callers share one request. */
  function poll() {
    if (pollInFlight) return pollInFlight;
    var mine = ++pollSeq;
    clearTimeout(pollTimer);
    pollInFlight = fetch('api/streams', { cache: 'no-store', headers: { Accept: 'application/json' } })
      .then(function (res) {
        if (res.status === 401) {
          // the server wants a token (auth on): its login page sets the cookie and comes back here
          location.assign('login');
          throw new Error('authentication required');
        }
        if (!res.ok) return readError(res).then(function (m) { throw new Error(m); });
        return res.json();
      })
      .then(function (list) {
        if (mine !== pollSeq) return;
        if (!Array.isArray(list)) throw new Error('unexpected answer from api/streams');
        setServer(true);
        showText(el.listError, '');
        applyStreams(list);
      })
      .catch(function (err) {
        if (mine !== pollSeq) return;
        setServer(false);
        showText(el.listError, 'Cannot load streams: ' + (err && err.message ? err.message : err));
      })
      .then(function () {
        pollInFlight = null;
        if (mine === pollSeq) pollTimer = setTimeout(poll, POLL_MS);
      });
    return pollInFlight;
  }

  function setServer(ok) {
    if (state.serverOk === ok) return;
    state.serverOk = ok;
    el.conn.textContent = ok ? 'server connected' : 'server unreachable';
    el.conn.className = 'conn-status ' + (ok ? 'ok' : 'bad');
  }

  function removeStream(id, li) {
    var btn = li.querySelector('.stream-remove');
    var err = li.querySelector('.stream-error');
    btn.disabled = true;
    delete err.dataset.local;
    showText(err, '');
    if (String(state.selected) === String(id)) {
      // let go of the stream before it goes, so nothing asks for it afterwards
      closeFeeds();
      stopHls();
    }
    fetch('api/streams/' + encodeURIComponent(id), { method: 'DELETE' })
      .then(function (res) {
        if (res.ok || res.status === 404) return null; // 404: already gone
        return readError(res);
      }, function () { return 'Cannot reach the server'; })
      .then(function (msg) {
        btn.disabled = false;
        if (msg) {
          err.dataset.local = '1';
          showText(err, 'Remove failed: ' + msg);
          if (String(state.selected) === String(id)) { openFeeds(); if (state.mode === 'hls') startHls(); }
        }
        return poll();
      });
  }

  // add form -----------------------------------------------------------------

  var KINDS = {
    rtsp: { label: 'RTSP URL', placeholder: 'rtsp://user:pass@host:554/stream',
      hint: 'rtsp:// or rtsps:// URL of the camera.' },
    file: { label: 'File in the server\'s media folder', placeholder: 'clips/yard.mp4',
      hint: 'A path inside the server\'s media folder (media.dir); the clip plays in real time and loops.' },
    webcam: { label: 'Device', placeholder: '/dev/video0',
      hint: 'A V4L2 camera attached to the server.' }
  };

  function applyKind() {
    var k = KINDS[el.addKind.value] || KINDS.rtsp;
    el.addSourceLabel.textContent = k.label;
    el.addSource.placeholder = k.placeholder;
    el.addHint.textContent = k.hint;
  }
  el.addKind.addEventListener('change', function () { applyKind(); showAddError(''); });

  /** The server's source string for what the form says, or an error message. */
  function composeSource(kind, value) {
    if (/^(rtsps?:\/\/|file:|v4l2:)/i.test(value)) return { source: value }; // already a full source
    if (kind === 'rtsp') return { error: 'An RTSP URL starts with rtsp:// or rtsps://.' };
    if (kind === 'webcam') return { source: 'v4l2:' + value };
    return { source: 'file:' + value };
  }

  el.form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var id = el.addId.value.trim();
    var value = el.addSource.value.trim();
    if (!id || !value) {
      showAddError(!id ? 'Enter a stream id.' : 'Enter the ' + (KINDS[el.addKind.value] || KINDS.rtsp).label.toLowerCase() + '.');
      (!id ? el.addId : el.addSource).focus();
      return;
    }
    var composed = composeSource(el.addKind.value, value);
    if (composed.error) {
      showAddError(composed.error);
      el.addSource.focus();
      return;
    }
    showAddError('');
    el.addSubmit.disabled = true;
    fetch('api/streams', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ id: id, source: composed.source })
    }).then(function (res) {
      if (res.ok) {
        el.addId.value = '';
        el.addSource.value = '';
        return res.json().catch(function () { return { id: id }; }).then(function (s) {
          var newId = s && s.id != null ? String(s.id) : id;
          return poll().then(function () { if (state.byId[newId]) select(newId); });
        });
      }
      return readError(res).then(showAddError);
    }, function () {
      showAddError('Cannot reach the server.');
    }).then(function () { el.addSubmit.disabled = false; });
  });

  function showAddError(msg) {
    el.addError.textContent = msg || '';
    el.addSource.setAttribute('aria-invalid', msg ? 'true' : 'false');
  }

  // ------------------------------------------------------------ selection

  function hashId() {
    var h = location.hash.replace(/^#/, '');
    if (!h) return null;
    try { return decodeURIComponent(h); } catch (e) { return null; }
  }

  function setViewerStatus(status, error) {
    if (!status) { el.status.hidden = true; return; }
    el.status.hidden = false;
    el.status.textContent = status;
    el.status.className = 'badge ' + statusClass(status);
    state.lastStatus = status;
    state.lastError = error;
    showText(el.viewerError, error && status !== 'live' ? String(error) : '');
  }

  function select(id) {
    id = id == null ? null : String(id);
    if (id === state.selected) return;
    closeFeeds();
    stopHls();
    restoredView.reset();
    originalView.reset();
    paintTimes.length = 0;
    outSamples.length = 0;
    fpsEstimate = null;
    state.selected = id;
    state.maxStages = 0;
    interir.selected = id;
    interir.lastStats = {};
    interir.statsCount = 0;
    interir.residualHistory = [];
    renderStats({});
    drawResiduals(null);
    renderRouting(null);
    showText(el.viewerError, '');
    Array.prototype.forEach.call(el.list.children, function (li) {
      var cur = li.dataset.id === id;
      li.classList.toggle('selected', cur);
      var b = li.querySelector('.stream-select');
      if (cur) b.setAttribute('aria-current', 'true'); else b.removeAttribute('aria-current');
    });
    if (id == null) {
      el.title.textContent = 'No stream selected';
      setViewerStatus(null);
      state.lastStatus = null;
      tick();
      return;
    }
    el.title.textContent = id;
    var s = state.byId[id];
    setViewerStatus(s && s.status, s && s.error);
    if (history.replaceState) {
      try { history.replaceState(null, '', '#' + encodeURIComponent(id)); } catch (e) { /* ignore */ }
    }
    openFeeds();
    if (state.mode === 'hls') startHls();
    tick();
  }

  // once a second: overlays over stale frames, the browser's own fps, HLS delay, buttons
  function tick() {
    var text;
    if (state.selected == null) text = 'No stream selected';
    else {
      var st = state.lastStatus;
      var err = state.lastError;
      if (restoredFeed && !restoredFeed.connected && state.serverOk === false) text = 'Server unreachable, retrying…';
      else if (st === 'connecting') text = 'Connecting to source…';
      else if (st === 'reconnecting') text = 'Source unreachable, retrying…' + (err ? ' (' + err + ')' : '');
      else if (st === 'offline') text = 'Source offline' + (err ? ': ' + err : '');
      else if (st === 'failed') text = 'Failed' + (err ? ': ' + err : '');
      else if (st === 'stopped') text = 'Stream stopped';
      else text = 'Waiting for frames…';
    }
    var live = state.lastStatus === 'live' && !(restoredFeed && !restoredFeed.connected && state.serverOk === false);
    restoredView.setOverlay(text, live);
    originalView.setOverlay(text, live);

    var ws = state.mode === 'ws';
    setStat('view', 'view ' + (ws && state.selected != null ? measureViewFps().toFixed(1) + ' fps' : '–'), !ws);
    var lat = hls && isNum(hls.latency) && hls.latency > 0 ? hls.latency : null;
    setStat('hls', 'hls ' + (lat === null ? '–' : lat.toFixed(1) + ' s behind'), ws);
    el.snapshot.disabled = ws ? !restoredView.hasFrame : !(el.video.readyState >= 2 && el.video.videoWidth);
  }
  setInterval(tick, 1000);

  // ------------------------------------------------------------ HLS

  var hls = null;
  var hlsTimer = 0;
  var hlsMediaRecoveries = 0;

  function hlsStatus(text) { el.hlsStatus.textContent = text || ''; }

  function retryHls(why, ms) {
    stopHls();
    hlsStatus(why);
    hlsTimer = setTimeout(startHls, ms || 3000);
  }

  function playQuietly() {
    var p = el.video.play();
    if (p && typeof p.catch === 'function') p.catch(noop); // autoplay may be refused
  }

  /** Loads HLS shortly after the switch, so flicking through the tabs starts no requests. */
  function startHls() {
    stopHls();
    if (state.mode !== 'hls' || state.selected == null) return;
    hlsTimer = setTimeout(loadHls, 300);
  }

  function loadHls() {
    hlsTimer = 0;
    if (state.mode !== 'hls' || state.selected == null) return;
    var s = state.byId[state.selected];
    // no playlist before the first restored frames (asking anyway is a 404 in the console)
    if (!s || s.hlsReady === false || !(toNum(s.framesOut) > 0)) {
      retryHls('Waiting for the first HLS segment…', POLL_MS);
      return;
    }
    var url = 'hls/' + encodeURIComponent(state.selected) + '/index.m3u8';
    var video = el.video;
    var Hls = window.Hls;
    hlsStatus('Loading HLS…');
    if (Hls && typeof Hls.isSupported === 'function' && Hls.isSupported()) {
      hlsMediaRecoveries = 0;
      var h = hls = new Hls({ debug: false, enableWorker: true, liveSyncDurationCount: 2, lowLatencyMode: false });
      h.on(Hls.Events.MANIFEST_PARSED, function () {
        if (h !== hls) return;
        hlsStatus('');
        playQuietly();
      });
      h.on(Hls.Events.ERROR, function (evt, data) {
        if (h !== hls || !data || !data.fatal) return;
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR && hlsMediaRecoveries < 2) {
          hlsMediaRecoveries++;
          h.recoverMediaError();
          return;
        }
        var code = data.response && data.response.code;
        retryHls('HLS error: ' + (data.details || data.type) + (code ? ' (HTTP ' + code + ')' : '') + ' — retrying…');
      });
      h.loadSource(url);
      h.attachMedia(video);
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      video.onerror = function () { retryHls('HLS playback error — retrying…'); };
      video.onloadedmetadata = function () { hlsStatus(''); playQuietly(); };
      video.src = url;
    } else {
      hlsStatus('This browser cannot play HLS; use the live frames view.');
    }
  }

  function stopHls() {
    if (hlsTimer) { clearTimeout(hlsTimer); hlsTimer = 0; }
    var video = el.video;
    video.onerror = null;
    video.onloadedmetadata = null;
    if (hls) {
      var h = hls;
      hls = null;
      try { h.destroy(); } catch (e) { /* ignore */ }
    }
    if (video.getAttribute('src')) {
      video.removeAttribute('src');
      try { video.load(); } catch (e) { /* ignore */ }
    }
    hlsStatus('');
  }

  // ------------------------------------------------------------ mode switch

  function setMode(mode) {
    if (mode !== 'hls') mode = 'ws';
    var changed = mode !== state.mode;
    state.mode = mode;
    interir.mode = mode;
    var ws = mode === 'ws';
    el.modeWs.setAttribute('aria-selected', String(ws));
    el.modeHls.setAttribute('aria-selected', String(!ws));
    el.modeWs.tabIndex = ws ? 0 : -1;
    el.modeHls.tabIndex = ws ? -1 : 0;
    el.wsPanel.hidden = !ws;
    el.hlsPanel.hidden = ws;
    el.layoutSide.disabled = !ws;
    el.layoutSplit.disabled = !ws;
    restoredView.active = ws;
    originalView.active = ws;
    if (!changed) { tick(); return; }
    if (ws) {
      stopHls();
      restoredView.reset();
      originalView.reset();
      openFeeds();
    } else {
      openFeeds(); // closes the original feed; the restored one stays for the stats
      startHls();
    }
    tick();
  }

  el.modeWs.addEventListener('click', function () { setMode('ws'); });
  el.modeHls.addEventListener('click', function () { setMode('hls'); });
  [el.modeWs, el.modeHls].forEach(function (tab) {
    tab.addEventListener('keydown', function (ev) {
      var k = ev.key;
      if (k === 'ArrowLeft' || k === 'ArrowRight' || k === 'Home' || k === 'End') {
        ev.preventDefault();
        var next = (k === 'Home') ? 'ws' : (k === 'End') ? 'hls' : (state.mode === 'ws' ? 'hls' : 'ws');
        setMode(next);
        (next === 'ws' ? el.modeWs : el.modeHls).focus();
      }
    });
  });

  // ------------------------------------------------------------ compare layout

  /** 'side': original beside the restored frame; 'split': both in one box, a slider between them. */
  function setLayout(layout) {
    layout = layout === 'split' ? 'split' : 'side';
    state.layout = layout;
    interir.layout = layout;
    store('layout', layout);
    var split = layout === 'split';
    el.compare.className = 'compare ' + layout;
    $('restored-caption').textContent = split ? 'Original (left of the slider) · restored (right): drag to compare' : 'Restored';
    el.layoutSide.setAttribute('aria-pressed', String(!split));
    el.layoutSplit.setAttribute('aria-pressed', String(split));
    if (split) {
      // the original canvas lies over the restored one, clipped at the slider
      if (el.original.parentNode !== el.restoredBox) el.restoredBox.insertBefore(el.original, el.restored.nextSibling);
      el.originalFigure.hidden = true;
      el.handle.hidden = false;
      setSplit(state.split);
    } else {
      if (el.original.parentNode !== el.originalBox) el.originalBox.insertBefore(el.original, el.originalBox.firstChild);
      el.original.style.clipPath = '';
      el.originalFigure.hidden = false;
      el.handle.hidden = true;
    }
  }

  function setSplit(pct) {
    pct = Math.max(0, Math.min(100, Math.round(pct)));
    state.split = pct;
    interir.split = pct;
    if (state.layout === 'split') el.original.style.clipPath = 'inset(0 ' + (100 - pct) + '% 0 0)';
    el.handle.style.left = pct + '%';
    el.handle.setAttribute('aria-valuenow', String(pct));
    el.handle.setAttribute('aria-valuetext', pct + '% original');
  }

  el.layoutSide.addEventListener('click', function () { setLayout('side'); });
  el.layoutSplit.addEventListener('click', function () { setLayout('split'); });

  var dragging = null;
  function splitFromPointer(ev) {
    var r = el.restoredBox.getBoundingClientRect();
    if (r.width > 0) setSplit((ev.clientX - r.left) / r.width * 100);
  }
  el.restoredBox.addEventListener('pointerdown', function (ev) {
    if (state.layout !== 'split' || ev.button > 0) return;
    dragging = ev.pointerId;
    try { el.restoredBox.setPointerCapture(ev.pointerId); } catch (e) { /* ignore */ }
    splitFromPointer(ev);
    el.handle.focus({ preventScroll: true });
    ev.preventDefault();
  });
  el.restoredBox.addEventListener('pointermove', function (ev) {
    if (dragging === ev.pointerId) splitFromPointer(ev);
  });
  function endDrag(ev) {
    if (dragging !== ev.pointerId) return;
    dragging = null;
    store('split', state.split);
  }
  el.restoredBox.addEventListener('pointerup', endDrag);
  el.restoredBox.addEventListener('pointercancel', endDrag);
  el.handle.addEventListener('keydown', function (ev) {
    var step = { ArrowLeft: -5, ArrowDown: -5, ArrowRight: 5, ArrowUp: 5, PageDown: -20, PageUp: 20 }[ev.key];
    if (ev.key === 'Home') setSplit(0);
    else if (ev.key === 'End') setSplit(100);
    else if (step) setSplit(state.split + step);
    else return;
    ev.preventDefault();
    store('split', state.split);
  });

  // ------------------------------------------------------------ snapshot, full screen

  function stamp() {
    var d = new Date();
    var p = function (n) { return (n < 10 ? '0' : '') + n; };
    return d.getFullYear() + p(d.getMonth() + 1) + p(d.getDate()) + '-' + p(d.getHours()) + p(d.getMinutes()) + p(d.getSeconds());
  }

  /** Downloads the restored frame on screen (live frames or HLS video) as a PNG. */
  function snapshot() {
    var src;
    if (state.mode === 'ws') {
      if (!restoredView.hasFrame) return;
      src = el.restored;
    } else {
      var v = el.video;
      if (!(v.readyState >= 2 && v.videoWidth)) return;
      src = document.createElement('canvas');
      src.width = v.videoWidth;
      src.height = v.videoHeight;
      src.getContext('2d').drawImage(v, 0, 0);
    }
    var name = String(state.selected || 'stream').replace(/[^A-Za-z0-9._-]+/g, '_') + '-restored-' + stamp() + '.png';
    src.toBlob(function (blob) {
      if (!blob) return;
      var url = URL.createObjectURL(blob);
      el.download.href = url;
      el.download.download = name;
      el.download.click();
      interir.snapshots++;
      interir.lastSnapshotBytes = blob.size;
      setTimeout(function () { URL.revokeObjectURL(url); }, 30000);
    }, 'image/png');
  }
  el.snapshot.addEventListener('click', snapshot);

  var canFullscreen = !!(el.stage.requestFullscreen && document.exitFullscreen);
  function updateFullscreenButton() {
    var on = !!document.fullscreenElement;
    el.fullscreen.textContent = on ? 'Exit full screen' : 'Full screen';
    el.fullscreen.setAttribute('aria-pressed', String(on));
  }
  el.fullscreen.addEventListener('click', function () {
    if (document.fullscreenElement) {
      document.exitFullscreen().catch(noop);
    } else if (canFullscreen) {
      el.stage.requestFullscreen().catch(function (e) { showText(el.viewerError, 'Full screen refused: ' + e.message); });
    } else if (state.mode === 'hls' && el.video.webkitEnterFullscreen) {
      try { el.video.webkitEnterFullscreen(); } catch (e) { /* ignore */ } // iPhone: the video only
    }
  });
  $('fullscreen-exit').addEventListener('click', function () {
    if (document.fullscreenElement) document.exitFullscreen().catch(noop);
  });
  document.addEventListener('fullscreenchange', function () {
    updateFullscreenButton();
    if (document.fullscreenElement) $('fullscreen-exit').focus({ preventScroll: true });
    else el.fullscreen.focus({ preventScroll: true });
  });
  if (!canFullscreen && !el.video.webkitEnterFullscreen) el.fullscreen.hidden = true;

  // ------------------------------------------------------------ jobs panel

  /**
   * Batch jobs (restoring video files) live in api/jobs. The panel shows only if
   * that answers 200 with a list; otherwise (the API not there yet) it stays
   * hidden and is not asked again.
   */
  var jobsTimer = 0;
  function pollJobs() {
    clearTimeout(jobsTimer);
    return fetch('api/jobs', { cache: 'no-store', headers: { Accept: 'application/json' } })
      .then(function (res) {
        if (res.status !== 200) return null;
        return res.json().catch(function () { return null; });
      }, function () { return null; })
      .then(function (data) {
        var list = Array.isArray(data) ? data : (data && Array.isArray(data.jobs) ? data.jobs : null);
        if (!list) {
          el.jobsPanel.hidden = true;
          interir.jobsShown = false;
          return;
        }
        renderJobs(list);
        el.jobsPanel.hidden = false;
        interir.jobsShown = true;
        jobsTimer = setTimeout(pollJobs, JOBS_POLL_MS);
      });
  }

  function jobProgress(j) {
    var p = toNum(j.progress);
    if (p === null) return null;
    return p > 1 ? Math.min(1, p / 100) : Math.max(0, p);
  }

  function renderJobs(list) {
    while (el.jobList.firstChild) el.jobList.removeChild(el.jobList.firstChild);
    list.forEach(function (j) {
      if (!j || typeof j !== 'object') return;
      var id = String(j.id == null ? '' : j.id);
      var st = String(j.state || j.status || 'unknown');
      var li = document.createElement('li');
      li.className = 'job-item';
      li.dataset.id = id;
      var head = document.createElement('div');
      head.className = 'job-head';
      var name = document.createElement('span');
      name.className = 'job-name';
      var input = j.input || j.source || j.file || j.path || id;
      name.textContent = String(input).split('/').pop() || id;
      name.title = String(input);
      var badge = document.createElement('span');
      badge.className = 'badge job-' + st.replace(/[^a-z]/gi, '');
      badge.textContent = st;
      head.appendChild(name);
      head.appendChild(badge);
      li.appendChild(head);
      var p = jobProgress(j);
      if (p !== null) {
        var bar = document.createElement('progress');
        bar.max = 1;
        bar.value = p;
        bar.setAttribute('aria-label', 'Progress of ' + name.textContent);
        li.appendChild(bar);
      }
      var meta = [];
      if (p !== null) meta.push(Math.round(p * 100) + '%');
      if (toNum(j.framesTotal) > 0) meta.push(fmt(j.framesDone) + ' / ' + fmt(j.framesTotal) + ' frames');
      if (toNum(j.fps) !== null) meta.push(fmt(j.fps, 1) + ' fps');
      var eta = j.etaSeconds != null ? j.etaSeconds : j.eta;
      if (toNum(eta) !== null) meta.push('ETA ' + fmtDuration(eta));
      if (meta.length) {
        var m = document.createElement('span');
        m.className = 'job-meta muted';
        m.textContent = meta.join(' · ');
        li.appendChild(m);
      }
      if (j.error) {
        var e = document.createElement('span');
        e.className = 'error';
        e.textContent = String(j.error);
        li.appendChild(e);
      }
      var actions = document.createElement('div');
      actions.className = 'job-actions';
      var out = typeof j.download === 'string' ? j.download : (typeof j.result === 'string' && /^(\/|api\/|https?:)/.test(j.result) ? j.result : null);
      if (out) {
        var a = document.createElement('a');
        a.href = out.charAt(0) === '/' ? out.slice(1) : out;
        a.textContent = 'Download';
        a.setAttribute('download', '');
        actions.appendChild(a);
      }
      if (/^(queued|running|pending|waiting)$/i.test(st) && id) {
        var cancel = document.createElement('button');
        cancel.type = 'button';
        cancel.className = 'link-button';
        cancel.textContent = 'Cancel';
        cancel.setAttribute('aria-label', 'Cancel job ' + name.textContent);
        cancel.addEventListener('click', function () {
          cancel.disabled = true;
          fetch('api/jobs/' + encodeURIComponent(id), { method: 'DELETE' }).then(pollJobs, pollJobs);
        });
        actions.appendChild(cancel);
      }
      if (actions.firstChild) li.appendChild(actions);
      el.jobList.appendChild(li);
    });
    el.jobsEmpty.hidden = el.jobList.children.length > 0;
  }

  // on a phone the stream list is below the video: a header button jumps to it
  $('jump-streams').addEventListener('click', function () {
    var h = $('streams-heading');
    h.tabIndex = -1;
    h.scrollIntoView({ block: 'start' });
    h.focus({ preventScroll: true });
  });

  $('job-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var input = $('job-file'), btn = $('job-submit'), err = $('job-error');
    var file = input.files && input.files[0];
    if (!file) { err.textContent = 'Choose a video file first.'; input.focus(); return; }
    err.textContent = '';
    btn.disabled = true;
    var body = new FormData();
    body.append('file', file, file.name);
    fetch('api/jobs', { method: 'POST', body: body, headers: { Accept: 'application/json' } })
      .then(function (res) {
        if (res.ok) { input.value = ''; return null; }
        return readError(res);
      }, function () { return 'Cannot reach the server.'; })
      .then(function (msg) {
        btn.disabled = false;
        if (msg) err.textContent = 'Upload failed: ' + msg;
        return pollJobs();
      });
  });

  // ------------------------------------------------------------ start

  function redrawChart() { drawResiduals(interir.lastStats); }
  if (typeof ResizeObserver === 'function') new ResizeObserver(redrawChart).observe(el.chart);
  else window.addEventListener('resize', redrawChart);

  window.addEventListener('hashchange', function () {
    var id = hashId();
    if (id && state.byId[id]) select(id);
  });
  window.addEventListener('pagehide', function () { closeFeeds(); stopHls(); });

  var savedSplit = toNum(stored('split'));
  if (savedSplit !== null) state.split = savedSplit;
  applyKind();
  setLayout(stored('layout'));
  setMode('ws');
  renderStats({});
  drawResiduals(null);
  renderRouting(null);
  updateFullscreenButton();
  poll();
  pollJobs();
})();
