/*
 * For hosts that cannot send COOP/COEP headers (GitHub Pages): registers
 * cross-origin-isolation-sw.js, which re-serves this origin's files with them,
 * and reloads once when it takes control. Does nothing where the page is
 * already cross-origin isolated. A classic script before the app's module, so
 * it runs first; a file, not inline, so the Content-Security-Policy allows it.
 */
(function isolate() {
  // Set just before the reload; cleared once isolated. While set, no further reload: never a loop.
  var RELOADED = 'trajectory-lab.isolation-reload';
  if (window.crossOriginIsolated) {
    sessionStorage.removeItem(RELOADED);
    return;
  }
  if (!window.isSecureContext || !('serviceWorker' in navigator)) return;
  var worker = new URL('cross-origin-isolation-sw.js', document.currentScript.src);
  var reloadOnce = function () {
    if (sessionStorage.getItem(RELOADED)) return;
    sessionStorage.setItem(RELOADED, '1');
    location.reload();
  };
  // The worker claims the page when it first activates: reload under it.
  navigator.serviceWorker.addEventListener('controllerchange', reloadOnce);
  navigator.serviceWorker.register(worker).then(
    function (registration) {
      // Active but not in control of this load: a hard reload bypassed it, a normal one will not.
      if (registration.active && !navigator.serviceWorker.controller) reloadOnce();
    },
    function (error) {
      console.warn('The cross-origin isolation service worker was not registered, so wasm runs single-threaded.', error);
    },
  );
})();
