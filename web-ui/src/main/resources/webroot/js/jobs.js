/**
 * The jobs panel: upload a video file to be restored in the background (every frame, audio kept), and follow
 * each job through api/jobs/events, which sends every job on connecting and each job again as it changes. Per
 * job: name, state, progress, frames, fps, ETA, error, Download once done, Cancel while queued or running.
 */

import * as api from './api.js';
import { loginIfRequired } from './auth.js';
import { $ } from './dom.js';
import { duration, fixed, toNum } from './format.js';
import { interir } from './hooks.js';

const el = {
  panel: $('jobs-panel'),
  form: $('job-form'),
  file: $('job-file'),
  submit: $('job-submit'),
  error: $('job-error'),
  list: $('job-list'),
  empty: $('jobs-empty'),
  status: $('jobs-status')
};

/** @type {Map<string, import('./api.js').Job>} */
const jobs = new Map();

export function init() {
  el.form.addEventListener('submit', upload);
  api.subscribeJobs({
    onOpen() {
      // the server lists every job it keeps right after this: what it no longer lists has expired
      for (const li of [...el.list.children]) li.remove();
      jobs.clear();
      publish();
      el.panel.hidden = false;
      el.status.textContent = '';
      interir.jobsShown = true;
    },
    onJob(job) {
      interir.jobEvents++;
      jobs.set(job.id, job);
      render(job);
      publish();
    },
    onDown(closed) {
      // EventSource retries by itself after a network error; it gives up on an answer other than 200
      el.status.textContent = closed ? 'Job updates are unavailable.' : 'Reconnecting to job updates…';
      if (closed) api.listStreams().catch(loginIfRequired);
    }
  });
}

function publish() {
  interir.jobs = [...jobs.values()].reverse();
  el.empty.hidden = jobs.size > 0;
}

async function upload(ev) {
  ev.preventDefault();
  const file = el.file.files && el.file.files[0];
  if (!file) {
    el.error.textContent = 'Choose a video file first.';
    el.file.focus();
    return;
  }
  el.error.textContent = '';
  el.submit.disabled = true;
  try {
    const job = await api.submitJob(file);
    el.file.value = '';
    // the event stream brings it too; showing the answer at once spares a blank moment
    if (!jobs.has(job.id)) {
      jobs.set(job.id, job);
      render(job);
      publish();
    }
  } catch (e) {
    if (!loginIfRequired(e)) el.error.textContent = `Upload failed: ${e.message}`;
  } finally {
    el.submit.disabled = false;
  }
}

/** Updates the job's item in place (a running job changes several times a second), newest at the top. */
function render(job) {
  let li = [...el.list.children].find((n) => n.dataset.id === job.id);
  if (!li) {
    li = create(job);
    el.list.prepend(li);
  }
  const name = li.querySelector('.job-name').textContent;
  const badge = li.querySelector('.badge');
  badge.textContent = job.state;
  badge.className = `badge job-${job.state}`;

  const bar = li.querySelector('progress');
  const progress = Math.max(0, Math.min(1, toNum(job.progress) ?? 0));
  bar.value = progress;
  bar.hidden = job.state !== 'running' && job.state !== 'queued';

  const meta = [];
  if (job.state === 'running' || job.state === 'done') meta.push(`${Math.round(progress * 100)}%`);
  if (toNum(job.framesTotal) > 0) meta.push(`${fixed(job.framesDone)} / ${fixed(job.framesTotal)} frames`);
  else if (toNum(job.framesDone) > 0) meta.push(`${fixed(job.framesDone)} frames`);
  if (job.state === 'running' && toNum(job.fps) > 0) meta.push(`${fixed(job.fps, 1)} fps`);
  if (job.state === 'running' && toNum(job.etaSeconds) !== null) meta.push(`ETA ${duration(job.etaSeconds)}`);
  li.querySelector('.job-meta').textContent = meta.join(' · ');

  const error = li.querySelector('.error');
  error.textContent = job.error || '';

  // rebuilt only when they change: a focused Cancel must survive the progress events
  const actionsKey = `${job.state}:${Boolean(job.result)}`;
  if (li.dataset.actions === actionsKey) return;
  li.dataset.actions = actionsKey;
  const actions = li.querySelector('.job-actions');
  actions.replaceChildren();
  if (job.state === 'done' && job.result) {
    const a = document.createElement('a');
    a.href = api.jobResultUrl(job.id);
    a.textContent = 'Download';
    a.setAttribute('download', '');
    a.setAttribute('aria-label', `Download the restored ${name}`);
    actions.append(a);
  }
  if (job.state === 'queued' || job.state === 'running') {
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.className = 'link-button job-cancel';
    cancel.textContent = 'Cancel';
    cancel.setAttribute('aria-label', `Cancel job ${name}`);
    cancel.addEventListener('click', () => cancelJob(job.id, cancel, error));
    actions.append(cancel);
  }
}

function create(job) {
  const li = document.createElement('li');
  li.className = 'job-item';
  li.dataset.id = job.id;
  const head = document.createElement('div');
  head.className = 'job-head';
  const name = document.createElement('span');
  name.className = 'job-name';
  name.textContent = String(job.input).split('/').pop() || job.id;
  name.title = job.input;
  const badge = document.createElement('span');
  badge.className = 'badge';
  head.append(name, badge);
  const bar = document.createElement('progress');
  bar.max = 1;
  bar.setAttribute('aria-label', `Progress of ${name.textContent}`);
  const meta = document.createElement('span');
  meta.className = 'job-meta muted';
  const error = document.createElement('span');
  error.className = 'error';
  const actions = document.createElement('div');
  actions.className = 'job-actions';
  li.append(head, bar, meta, error, actions);
  return li;
}

async function cancelJob(id, button, error) {
  button.disabled = true;
  try {
    const job = await api.cancelJob(id);
    jobs.set(job.id, job);
    render(job);
    publish();
  } catch (e) {
    if (!loginIfRequired(e)) {
      error.textContent = `Cancel failed: ${e.message}`;
      button.disabled = false;
    }
  }
}
