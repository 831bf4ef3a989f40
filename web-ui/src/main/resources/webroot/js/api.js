/**
 * The server's API as the viewer uses it, and the shapes it answers with. Every other module talks to the
 * server through here, so a change of the server's JSON (stream-server: ApiRoutes, StreamJson, JobRoutes,
 * WebSocketFanout) has one place to land. URLs are relative to the page: the viewer works wherever the
 * server mounts it.
 */

/**
 * @typedef {'connecting'|'live'|'reconnecting'|'offline'|'failed'|'stopped'|'idle'} StreamStatus  idle: nobody watches, the source is paused
 *
 * @typedef {object} Stream  an element of GET api/streams, the body of POST api/streams (StreamJson.of)
 * @property {string} id
 * @property {string} source        as configured, credentials masked by the server
 * @property {StreamStatus} status
 * @property {'watched'|'onDemand'|'always'} mode  what the stream does while nobody watches it
 * @property {boolean} restoring   someone watches (or did within pipeline.idleSeconds): frames are being restored
 * @property {number} width         0 before the first frame
 * @property {number} height
 * @property {number} fps           frames restored per second (the server's 2 s window: 0 below 0.5 fps)
 * @property {number} framesIn
 * @property {number} framesOut
 * @property {number} dropped       frames a live source dropped while the pipeline was busy
 * @property {number} reconnects
 * @property {number} latencyMs     grab to restored
 * @property {number} stagesRun     ISN stages per frame, mean over tiles
 * @property {boolean} warm         the last frame started from the previous one's state (a temporal network used
 *                                  the tile's earlier frames)
 * @property {boolean} hlsReady     the HLS playlist exists (asking for it earlier is a 404)
 * @property {string} [error]       why the stream is not live; absent when there is nothing to say
 * @property {?string} [owner]      in a cluster: the name of the node that runs it (null while none does); absent
 *                                  on a single node
 *
 * @typedef {object} StatsExtra
 * @property {'stats'} type
 * @property {number} viewers       WebSocket viewers of this stream, both feeds
 * @property {number[]} residuals   RMS of F_k per stage run, in stage order (a warm start runs the last ones)
 * @property {number[]} routing     routing weight of each kernel of the explainable convolution's bank
 *
 * @typedef {Stream & StatsExtra} StatsMessage  text message on ws/streams/{id}: on joining, then once a second
 *
 * @typedef {object} ClusterNode  an element of nodes in GET api/cluster (ClusterRoutes)
 * @property {string} name
 * @property {boolean} self         the node this page talks to
 * @property {number} cameras       cameras it runs
 * @property {number} capacity      most cameras it may run
 * @property {number} msPerFrame    its restore time per frame (0 before its first frame)
 *
 * @typedef {object} Cluster  GET api/cluster: {enabled: false} on a single node
 * @property {boolean} enabled
 * @property {ClusterNode[]} [nodes]
 *
 * @typedef {'queued'|'running'|'done'|'failed'|'cancelled'} JobState
 *
 * @typedef {object} Job  an element of GET api/jobs and each event of api/jobs/events (JobRoutes.json)
 * @property {string} id
 * @property {string} input         the upload's file name, or the path in the media folder
 * @property {JobState} state
 * @property {number} progress      fraction done, 0..1
 * @property {number} framesDone
 * @property {number} framesTotal   -1 while unknown
 * @property {number} fps
 * @property {?number} etaSeconds   null while unknown
 * @property {string} [error]
 * @property {string} [result]      server path of the restored file, once done
 */

/** WebSocket close codes the server uses (WebSocketFanout, ApiRoutes.upgrade). */
export const CLOSE = Object.freeze({
  /** the stream was removed */
  GOING_AWAY: 1001,
  /** the view already has websocket.maxViewers viewers */
  TRY_AGAIN_LATER: 1013,
  /** no close frame: the upgrade was refused (404 no such stream, 403 foreign origin) or the server went away */
  ABNORMAL: 1006
});

export const STREAM_STATUSES = Object.freeze(['connecting', 'live', 'reconnecting', 'offline', 'failed', 'stopped', 'idle']);
export const JOB_STATES = Object.freeze(['queued', 'running', 'done', 'failed', 'cancelled']);

/** A JSON answer other than 2xx: the server always sends {error: message}. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** 401: the server has a token and this browser has no login cookie. */
export class LoginRequired extends ApiError {
  constructor() {
    super(401, 'authentication required');
  }
}

const JSON_HEADERS = { Accept: 'application/json' };

async function errorOf(res) {
  if (res.status === 401) return new LoginRequired();
  let text = '';
  try {
    text = await res.text();
    const body = JSON.parse(text);
    if (body && typeof body.error === 'string') return new ApiError(res.status, body.error);
  } catch (e) {
    // a proxy's HTML page or an empty body: fall back to the status line
  }
  text = text.trim();
  const shown = text && text.length < 300 && !text.startsWith('<') ? text : `HTTP ${res.status} ${res.statusText}`.trim();
  return new ApiError(res.status, shown);
}

async function call(path, init = {}) {
  let res;
  try {
    res = await fetch(path, { cache: 'no-store', ...init, headers: { ...JSON_HEADERS, ...(init.headers || {}) } });
  } catch (e) {
    throw new ApiError(0, 'Cannot reach the server.');
  }
  if (!res.ok) throw await errorOf(res);
  return res;
}

/** @returns {Promise<Stream[]>} */
export async function listStreams() {
  const body = await (await call('api/streams')).json();
  if (!Array.isArray(body)) throw new ApiError(200, 'unexpected answer from api/streams');
  return body;
}

/** @returns {Promise<Cluster>} */
export async function cluster() {
  return (await call('api/cluster')).json();
}

/**
 * @param {string} id
 * @param {string} source  rtsp://, rtsps://, file:PATH (in the media folder), v4l2:DEVICE, bundled:NAME
 * @returns {Promise<Stream>} 400 (bad source) and 409 (id taken) come as ApiError with the server's message
 */
export async function addStream(id, source) {
  const res = await call('api/streams', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ id, source })
  });
  return res.json();
}

/** Resolves also when the stream was already gone (404). */
export async function removeStream(id) {
  try {
    await call(`api/streams/${encodeURIComponent(id)}`, { method: 'DELETE' });
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
  }
}

/** Restored (or, with original, the degraded input) frames as binary JPEG messages, and StatsMessage texts. */
export function streamSocketUrl(id, original) {
  const u = new URL(`ws/streams/${encodeURIComponent(id)}${original ? '/original' : ''}`, location.href);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.hash = '';
  return u.href;
}

export function hlsPlaylistUrl(id) {
  return `hls/${encodeURIComponent(id)}/index.m3u8`;
}

/**
 * Uploads a video file as a restoration job (multipart field 'file').
 * @returns {Promise<Job>} 413 (too large), 429 (queue full), 503 (shutting down) come as ApiError
 */
export async function submitJob(file) {
  const body = new FormData();
  body.append('file', file, file.name);
  return (await call('api/jobs', { method: 'POST', body })).json();
}

/** @returns {Promise<Job>} the job as cancelled */
export async function cancelJob(id) {
  return (await call(`api/jobs/${encodeURIComponent(id)}`, { method: 'DELETE' })).json();
}

/** Where a done job's file downloads from (the job's own result field is an absolute server path). */
export function jobResultUrl(id) {
  return `api/jobs/${encodeURIComponent(id)}/result`;
}

/**
 * Subscribes to api/jobs/events: on (re)connecting the server sends every job it keeps, then each job again on
 * every change and a few times a second while it runs. EventSource reconnects by itself after a network error;
 * the server sends no event when it forgets a finished job, so onOpen is the moment to drop what it no longer
 * lists.
 * @param {{onOpen: function(): void, onJob: function(Job): void, onDown: function(boolean): void}} handlers
 *   onDown(closed): the stream broke; closed when EventSource gave up (a non-200 answer such as 401)
 * @returns {function(): void} closes the subscription
 */
export function subscribeJobs({ onOpen, onJob, onDown }) {
  const source = new EventSource('api/jobs/events');
  source.onopen = () => onOpen();
  source.onmessage = (ev) => {
    let job;
    try {
      job = JSON.parse(ev.data);
    } catch (e) {
      return;
    }
    if (job && typeof job.id === 'string' && JOB_STATES.includes(job.state)) onJob(job);
  };
  source.onerror = () => onDown(source.readyState === EventSource.CLOSED);
  return () => source.close();
}
