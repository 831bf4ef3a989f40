/**
 * The token login. A server with a token answers 401 without the login cookie; its login page sets the cookie
 * and sends the browser back here. app.js checks once before loading these modules (they are served only with
 * the cookie); this covers a cookie that stops being accepted while the page is open.
 */

import { LoginRequired } from './api.js';

let leaving = false;

/** @returns {boolean} true when the error meant "log in" and the page is on its way to the login page */
export function loginIfRequired(error) {
  if (!(error instanceof LoginRequired)) return false;
  if (!leaving) {
    leaving = true;
    location.assign('login');
  }
  return true;
}
