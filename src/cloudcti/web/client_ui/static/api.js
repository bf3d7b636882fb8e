// REST calls to /api/v1 with the login cookie; unsafe methods carry the CSRF header.

const BASE = new URL('api/v1/', document.baseURI);
let onUnauthorized = () => {};

/** An HTTP error with the server's problem+json body (detail = what the PBX said). */
export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

/** True for a route this server does not have yet (Starlette's bare 404/405). */
export function isMissingRoute(error) {
  if (!(error instanceof ApiError)) return false;
  return error.status === 405 || (error.status === 404 && ['Not Found', undefined].includes(error.problem.detail));
}

/** Call fn when a request finds the session gone (401). */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

function cookie(name) {
  const found = document.cookie.split('; ').find((c) => c.startsWith(`${name}=`));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : null;
}

/** Send method to path (relative to /api/v1/) with an optional JSON body; the parsed reply. */
export async function api(method, path, body, headers = {}) {
  const init = { method, headers: { ...headers }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = cookie('cloudcti_csrf');
    if (csrf) init.headers['X-CSRF-Token'] = csrf;
  }
  const response = await fetch(new URL(path, BASE), init);
  const type = response.headers.get('content-type') || '';
  const data = response.status !== 204 && type.includes('json') ? await response.json() : null;
  if (!response.ok) {
    if (response.status === 401 && path !== 'auth/token') onUnauthorized();
    throw new ApiError(response.status, data);
  }
  return data;
}

/** The WebSocket URL of /api/v1/events (the cookie authenticates it). */
export function eventsUrl() {
  const url = new URL('events', BASE);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}
