/**
 * window.interir: what the browser tests (stream-server ViewerBrowserIT) read to see the page work without
 * guessing from pixels. Modules write their own fields; nothing in the page reads them back.
 */
export const interir = {
  framesPainted: 0,          // restored frames drawn on #restored
  framesPaintedOriginal: 0,  // original frames drawn on #original
  viewFps: 0,                // restored frames painted per second, in this browser
  lastStats: {},             // last stats message of the selected stream
  statsCount: 0,             // stats messages received for the selected stream
  residualHistory: [],       // [{t, last, stages, warm}] of the selected stream
  chartDraws: 0,             // residual chart drawn with data
  selected: null,            // selected stream id
  mode: 'ws',                // 'ws' | 'hls'
  layout: 'side',            // 'side' | 'split'
  split: 50,                 // split slider position, % of the width showing the original
  streams: [],               // last api/streams answer
  jobsShown: false,          // the jobs event stream is open
  jobs: [],                  // jobs as the event stream last described them, newest first
  jobEvents: 0,              // job events received
  snapshots: 0,              // PNG snapshots downloaded
  lastSnapshotBytes: 0
};
window.interir = interir;
