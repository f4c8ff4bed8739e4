/*
 * Cross-origin isolation for hosts that cannot send headers: every response
 * of this origin is re-served with HEADERS (COOP, COEP and the
 * Content-Security-Policy, so the workers it serves get the policy too).
 * Other origins' requests are left to the browser: the lab reads model files
 * with CORS fetches, which COEP allows. HEADERS is written above this file
 * at build time, from hosting/security-headers.ts.
 */
/* global HEADERS */

self.addEventListener('install', function () {
  self.skipWaiting();
});

// Take the open page at once: it reloads when its controller changes.
self.addEventListener('activate', function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (new URL(request.url).origin !== self.location.origin) return;
  // A devtools quirk: such a request cannot be fetched from a service worker.
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith(fetch(request).then(withHeaders));
});

function withHeaders(response) {
  // Opaque redirects (status 0) cannot be rebuilt; the browser follows them and asks again.
  if (response.status === 0) return response;
  var headers = new Headers(response.headers);
  Object.keys(HEADERS).forEach(function (name) {
    headers.set(name, HEADERS[name]);
  });
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers: headers });
}
