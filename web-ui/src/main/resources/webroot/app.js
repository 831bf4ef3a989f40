/*
 * The viewer's entry point. A server with a token serves only this file, index.html, style.css and hls.js
 * without it (stream-server's PublicPaths): the modules under js/ load once the login cookie is there, so the
 * page asks first and goes to the login page on a 401.
 */
let res = null;
try {
  res = await fetch('api/streams', { cache: 'no-store', headers: { Accept: 'application/json' } });
} catch (e) {
  // the server is down, and with it the modules: say so and try again shortly
}
if (res === null) {
  const conn = document.getElementById('conn-status');
  conn.textContent = 'server unreachable';
  conn.className = 'conn-status bad';
  setTimeout(() => location.reload(), 5000);
} else if (res.status === 401) {
  location.assign('login');
} else {
  (await import('./js/main.js')).start();
}
