/**
 * Wires the panels together once app.js has let the page in: the stream list and the add form feed the
 * viewer, the viewer's stats feed the telemetry and the list, the jobs panel runs on its own event stream.
 */

import './hooks.js';
import * as addStream from './add-stream.js';
import * as cluster from './cluster.js';
import * as jobs from './jobs.js';
import * as streams from './streams.js';
import * as telemetry from './telemetry.js';
import * as viewer from './viewer.js';
import { $ } from './dom.js';

export function start() {
  viewer.init();
  addStream.init(async (stream) => {
    await streams.refresh();
    if (streams.get(stream.id)) viewer.select(stream.id);
  });
  jobs.init();
  cluster.init();

  const chart = $('residual-chart');
  if (typeof ResizeObserver === 'function') new ResizeObserver(() => telemetry.redraw()).observe(chart);
  else window.addEventListener('resize', () => telemetry.redraw());

  // on a phone the stream list is below the video: a header button jumps to it
  $('jump-streams').addEventListener('click', () => {
    const h = $('streams-heading');
    h.tabIndex = -1;
    h.scrollIntoView({ block: 'start' });
    h.focus({ preventScroll: true });
  });

  streams.init({
    listed: viewer.listed,
    select: viewer.select,
    removing: viewer.releasing,
    removeFailed: viewer.reattach
  });
}
