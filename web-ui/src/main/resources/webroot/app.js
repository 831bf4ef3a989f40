/*
 * InterIR Stream viewer. Vanilla JS, no build step, no network dependencies
 * beyond the InterIR server itself. All URLs are relative to the page, so the
 * viewer works wherever the server mounts it.
 *
 * Test hooks: window.interir = { framesPainted, framesPaintedOriginal,
 * lastStats, selected, mode, streams }.
 */
(function () {
  'use strict';

  var POLL_MS = 2000;
  var STALE_MS = 3000;          // no frame for this long -> show overlay
  var RETRY_MIN_MS = 500;
  var RETRY_MAX_MS = 5000;
  var WS_UNKNOWN_STREAM = 4404; // close code the server may use for "no such stream"

  var interir = window.interir = {
    framesPainted: 0,           // restored frames drawn on #restored
    framesPaintedOriginal: 0,   // original frames drawn on #original
    lastStats: {},              // last stats message for the selected stream
    selected: null,             // selected stream id
    mode: 'ws',                 // 'ws' | 'hls'
    streams: []                 // last /api/streams answer
  };

  function $(id) { return document.getElementById(id); }
  function noop() {}

  var el = {
    list: $('stream-list'), listError: $('list-error'), listEmpty: $('list-empty'),
    conn: $('conn-status'),
    form: $('add-form'), addId: $('add-id'), addSource: $('add-source'),
    addSubmit: $('add-submit'), addError: $('add-error'),
    title: $('viewer-title'), status: $('viewer-status'), viewerError: $('viewer-error'),
    modeWs: $('mode-ws'), modeHls: $('mode-hls'),
    wsPanel: $('ws-panel'), hlsPanel: $('hls-panel'),
    restored: $('restored'), original: $('original'),
    restoredOverlay: $('restored-overlay'), originalOverlay: $('original-overlay'),
    video: $('hls-video'), hlsStatus: $('hls-status'),
    stats: $('stats'), chart: $('residual-chart'), chartText: $('residual-text'),
    routing: $('routing')
  };

  var state = {
    streams: [],
    byId: {},
    selected: null,
    mode: 'ws',
    serverOk: null
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

  FrameView.prototype.setOverlay = function (text) {
    var stale = Date.now() - this.lastFrameAt > STALE_MS;
    if (stale && text) {
      this.overlay.textContent = text;
      this.overlay.hidden = false;
    } else if (!stale) {
      this.overlay.hidden = true;
    }
  };

  var restoredView = new FrameView(el.restored, el.restoredOverlay, function () { interir.framesPainted++; });
  var originalView = new FrameView(el.original, el.originalOverlay, function () { interir.framesPaintedOriginal++; });

  // ------------------------------------------------------------ websockets

  /** A WebSocket that reconnects with backoff until closed. */
  function Feed(path, handlers) {
    this.path = path;
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
    if (state.serverOk === false) {
      // the list poll says the server is down: wait for it instead of
      // filling the console with failed handshakes
      var me = this;
      this.timer = setTimeout(function () { me.connect(); }, RETRY_MIN_MS * 2);
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
      self.scheduleRetry(ev.code);
    };
  };

  Feed.prototype.scheduleRetry = function (code) {
    if (this.closed || this.timer) return;
    var delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * Math.pow(2, this.retry));
    this.retry = Math.min(this.retry + 1, 8);
    if (code === WS_UNKNOWN_STREAM || code === 1008) delay = RETRY_MAX_MS;
    var self = this;
    this.timer = setTimeout(function () { self.connect(); }, delay);
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

  function openFeeds() {
    var id = state.selected;
    if (id == null) return;
    var base = 'ws/streams/' + encodeURIComponent(id);
    if (!restoredFeed) {
      restoredFeed = new Feed(base, {
        binary: function (b) { restoredView.push(b); },
        text: function (t) { handleText(t, true); }
      });
    }
    restoredFeed.open();
    if (state.mode === 'ws') {
      if (!originalFeed) {
        originalFeed = new Feed(base + '/original', {
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

  function setStat(key, text) {
    var span = el.stats.querySelector('[data-k="' + key + '"]');
    if (span) span.textContent = text;
  }

  function renderStats(s) {
    s = s || {};
    setStat('fps', 'fps ' + fmt(s.fps, 1));
    setStat('latency', 'latency ' + (toNum(s.latencyMs) === null ? '–' : fmt(s.latencyMs, 0) + ' ms'));
    setStat('frames', 'frames in ' + fmt(s.framesIn) + ' / out ' + fmt(s.framesOut));
    setStat('dropped', 'dropped ' + fmt(s.dropped));
    var stages = toNum(s.stagesRun);
    var total = Array.isArray(s.residuals) ? s.residuals.length : null;
    setStat('stages', 'stages run ' + (stages === null ? '–' : stages +
      (total && total > stages ? ' / ' + total : '')));
    setStat('size', toNum(s.width) && toNum(s.height) ? s.width + '×' + s.height : '–');
  }

  function onStats(s) {
    if (s.id != null && String(s.id) !== String(state.selected)) return;
    interir.lastStats = s;
    renderStats(s);
    drawResiduals(s);
    renderRouting(s.routing);
    if (typeof s.status === 'string') setViewerStatus(s.status, s.error);
  }

  // residual chart -------------------------------------------------------

  var chartColors = null;
  function colors() {
    if (!chartColors) {
      var cs = getComputedStyle(document.documentElement);
      var g = function (n, d) { return (cs.getPropertyValue(n) || '').trim() || d; };
      chartColors = {
        fg: g('--fg', '#e6e9ef'), muted: g('--muted', '#8b93a3'),
        grid: g('--grid', '#2a3140'), bar: g('--accent', '#36a3ff'), dim: g('--dim-bar', '#3b4a63')
      };
    }
    return chartColors;
  }

  function drawResiduals(s) {
    var canvas = el.chart;
    var ctx = canvas.getContext('2d');
    var dpr = window.devicePixelRatio || 1;
    var cssW = canvas.clientWidth || 360, cssH = canvas.clientHeight || 140;
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
    var run = toNum(s.stagesRun);
    var max = 0;
    values.forEach(function (v) { if (v !== null && Math.abs(v) > max) max = Math.abs(v); });
    if (!(max > 0)) max = 1;

    var padL = 6, padR = 6, padT = 16, padB = 18;
    var plotW = cssW - padL - padR, plotH = cssH - padT - padB;
    var n = values.length;
    var slot = plotW / n;
    var barW = Math.max(2, Math.min(48, slot * 0.6));

    ctx.strokeStyle = c.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(padL, padT + plotH + 0.5);
    ctx.lineTo(padL + plotW, padT + plotH + 0.5);
    ctx.stroke();

    var tops = [];
    ctx.textAlign = 'center';
    values.forEach(function (v, i) {
      var x = padL + slot * i + slot / 2;
      var h = v === null ? 0 : Math.abs(v) / max * plotH;
      var skipped = run !== null && i >= run;
      ctx.fillStyle = skipped ? c.dim : c.bar;
      ctx.fillRect(x - barW / 2, padT + plotH - h, barW, h);
      tops.push([x, padT + plotH - h]);
      ctx.fillStyle = c.fg;
      ctx.fillText(fmtSig(v), x, Math.max(11, padT + plotH - h - 3));
      ctx.fillStyle = c.muted;
      ctx.fillText(String(i + 1), x, cssH - 4);
    });
    // line through the bar tops shows the trend across stages
    if (tops.length > 1) {
      ctx.strokeStyle = c.fg;
      ctx.globalAlpha = 0.5;
      ctx.beginPath();
      tops.forEach(function (p, i) { if (i) ctx.lineTo(p[0], p[1]); else ctx.moveTo(p[0], p[1]); });
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
    el.chartText.textContent = values.map(function (v, i) {
      return 'stage ' + (i + 1) + ': ' + fmtSig(v);
    }).join(', ');
  }

  // routing weights -------------------------------------------------------

  function renderRouting(routing) {
    var box = el.routing;
    while (box.firstChild) box.removeChild(box.firstChild);
    if (!Array.isArray(routing) || !routing.length) {
      var p = document.createElement('p');
      p.className = 'muted';
      p.textContent = 'no routing data';
      box.appendChild(p);
      return;
    }
    // either [w, w, ...] or [[w, ...] per stage, ...]
    var rows = routing.every(Array.isArray) ? routing : [routing];
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
      var max = 1;
      nums.forEach(function (v) { if (v !== null && v > max) max = v; });
      nums.forEach(function (v, i) {
        var bar = document.createElement('span');
        bar.className = 'route-bar';
        var pct = v === null ? 0 : Math.max(0, Math.min(1, v / max)) * 100;
        var fill = document.createElement('span');
        fill.style.height = pct.toFixed(1) + '%';
        bar.appendChild(fill);
        bar.title = (rows.length > 1 ? 'stage ' + (r + 1) + ', ' : '') + 'route ' + (i + 1) + ': ' + fmtSig(v);
        div.appendChild(bar);
      });
      box.appendChild(div);
    });
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
    err.setAttribute('role', 'alert');
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
    li.querySelector('.stream-meta').textContent =
      fmt(s.fps, 1) + ' fps · ' + fmt(s.dropped) + ' dropped';
    var sel = li.querySelector('.stream-select');
    sel.title = maskSource(s.source) + (s.error ? '\n' + s.error : '');
    var current = String(state.selected) === String(s.id);
    li.classList.toggle('selected', current);
    if (current) sel.setAttribute('aria-current', 'true'); else sel.removeAttribute('aria-current');
    // a failed stream's own error stays visible under the item
    var err = li.querySelector('.stream-error');
    if (!err.dataset.local) showText(err, s.error && (status === 'failed' || status === 'offline') ? String(s.error) : '');
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
  function poll() {
    var mine = ++pollSeq;
    clearTimeout(pollTimer);
    return fetch('api/streams', { cache: 'no-store', headers: { Accept: 'application/json' } })
      .then(function (res) {
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
        if (mine === pollSeq) pollTimer = setTimeout(poll, POLL_MS);
      });
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
        }
        return poll();
      });
  }

  el.form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var id = el.addId.value.trim();
    var source = el.addSource.value.trim();
    if (!id || !source) {
      showAddError(!id ? 'Enter a stream id.' : 'Enter a source (rtsp://…, file:PATH or v4l2:/dev/videoN).');
      (!id ? el.addId : el.addSource).focus();
      return;
    }
    showAddError('');
    el.addSubmit.disabled = true;
    fetch('api/streams', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ id: id, source: source })
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
    showText(el.viewerError, error && (status === 'failed' || status === 'offline' || status === 'reconnecting')
      ? String(error) : '');
  }

  function select(id) {
    id = id == null ? null : String(id);
    if (id === state.selected) return;
    closeFeeds();
    stopHls();
    restoredView.reset();
    originalView.reset();
    state.selected = id;
    interir.selected = id;
    interir.lastStats = {};
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
      watchdog();
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
    watchdog();
  }

  // shows a hint over a frame that has gone stale
  function watchdog() {
    var text;
    if (state.selected == null) text = 'No stream selected';
    else {
      var st = state.lastStatus;
      var err = state.lastError;
      if (restoredFeed && !restoredFeed.connected && state.serverOk === false) text = 'Server unreachable, retrying…';
      else if (st === 'connecting') text = 'Connecting to source…';
      else if (st === 'reconnecting') text = 'Source lost, reconnecting…';
      else if (st === 'offline') text = 'Source offline' + (err ? ': ' + err : '');
      else if (st === 'failed') text = 'Failed' + (err ? ': ' + err : '');
      else if (st === 'stopped') text = 'Stream stopped';
      else text = 'Waiting for frames…';
    }
    restoredView.setOverlay(text);
    originalView.setOverlay(text);
  }
  setInterval(watchdog, 1000);

  // ------------------------------------------------------------ HLS

  var hls = null;
  var hlsTimer = 0;
  var hlsMediaRecoveries = 0;

  function hlsStatus(text) { el.hlsStatus.textContent = text || ''; }

  function retryHls(why) {
    stopHls();
    hlsStatus((why || 'HLS not available') + ' — retrying…');
    hlsTimer = setTimeout(startHls, 3000);
  }

  function playQuietly() {
    var p = el.video.play();
    if (p && typeof p.catch === 'function') p.catch(noop); // autoplay may be refused
  }

  function startHls() {
    stopHls();
    if (state.mode !== 'hls' || state.selected == null) return;
    var url = 'hls/' + encodeURIComponent(state.selected) + '/index.m3u8';
    var video = el.video;
    var Hls = window.Hls;
    hlsStatus('Loading HLS…');
    if (Hls && typeof Hls.isSupported === 'function' && Hls.isSupported()) {
      hlsMediaRecoveries = 0;
      var h = hls = new Hls({ debug: false, enableWorker: true, liveSyncDurationCount: 3 });
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
        retryHls('HLS error: ' + (data.details || data.type) + (code ? ' (HTTP ' + code + ')' : ''));
      });
      h.loadSource(url);
      h.attachMedia(video);
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      video.onerror = function () { retryHls('HLS playback error'); };
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
    restoredView.active = ws;
    originalView.active = ws;
    if (!changed) return;
    if (ws) {
      stopHls();
      restoredView.reset();
      originalView.reset();
      openFeeds();
    } else {
      openFeeds(); // closes the original feed; the restored one stays for stats
      startHls();
    }
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

  // ------------------------------------------------------------ start

  function redrawChart() { drawResiduals(interir.lastStats); }
  if (typeof ResizeObserver === 'function') new ResizeObserver(redrawChart).observe(el.chart);
  else window.addEventListener('resize', redrawChart);

  window.addEventListener('hashchange', function () {
    var id = hashId();
    if (id && state.byId[id]) select(id);
  });
  window.addEventListener('pagehide', function () { closeFeeds(); stopHls(); });

  setMode('ws');
  renderStats({});
  drawResiduals(null);
  renderRouting(null);
  poll();
})();
