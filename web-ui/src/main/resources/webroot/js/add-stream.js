/**
 * The "Add stream" form: an id and a source by kind (RTSP URL; a video file by its path in the server's media
 * folder; a V4L2 webcam), composed into the server's source string and posted to api/streams. The server's
 * refusal (400 bad source, 409 id taken) is shown as it words it.
 */

import * as api from './api.js';
import { loginIfRequired } from './auth.js';
import { $ } from './dom.js';

const KINDS = {
  rtsp: {
    label: 'RTSP URL', placeholder: 'rtsp://user:pass@host:554/stream',
    hint: 'rtsp:// or rtsps:// URL of the camera.'
  },
  file: {
    label: 'File in the server\'s media folder', placeholder: 'clips/yard.mp4',
    hint: 'A path inside the server\'s media folder (media.dir); the clip plays in real time and loops.'
  },
  webcam: {
    label: 'Device', placeholder: '/dev/video0',
    hint: 'A V4L2 camera attached to the server.'
  }
};

const el = {
  form: $('add-form'),
  id: $('add-id'),
  kind: $('add-kind'),
  source: $('add-source'),
  label: $('add-source-label'),
  hint: $('add-hint'),
  submit: $('add-submit'),
  error: $('add-error')
};

/** The server's source string for what the form says: {source} or {error}. */
export function composeSource(kind, value) {
  if (/^(rtsps?:\/\/|file:|v4l2:)/i.test(value)) return { source: value };
  if (kind === 'rtsp') return { error: 'An RTSP URL starts with rtsp:// or rtsps://.' };
  if (kind === 'webcam') return { source: `v4l2:${value}` };
  return { source: `file:${value}` };
}

/** @param {function(import('./api.js').Stream): Promise<void>} added  called with the new stream */
export function init(added) {
  applyKind();
  el.kind.addEventListener('change', () => {
    applyKind();
    showError('');
  });
  el.form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const id = el.id.value.trim();
    const value = el.source.value.trim();
    const kind = KINDS[el.kind.value] || KINDS.rtsp;
    if (!id || !value) {
      showError(!id ? 'Enter a stream id.' : `Enter the ${kind.label.toLowerCase()}.`);
      (!id ? el.id : el.source).focus();
      return;
    }
    const composed = composeSource(el.kind.value, value);
    if (composed.error) {
      showError(composed.error);
      el.source.focus();
      return;
    }
    showError('');
    el.submit.disabled = true;
    try {
      const stream = await api.addStream(id, composed.source);
      el.id.value = '';
      el.source.value = '';
      await added(stream);
    } catch (e) {
      if (!loginIfRequired(e)) showError(e.message);
    } finally {
      el.submit.disabled = false;
    }
  });
}

function applyKind() {
  const k = KINDS[el.kind.value] || KINDS.rtsp;
  el.label.textContent = k.label;
  el.source.placeholder = k.placeholder;
  el.hint.textContent = k.hint;
}

function showError(message) {
  el.error.textContent = message || '';
  el.source.setAttribute('aria-invalid', message ? 'true' : 'false');
}
