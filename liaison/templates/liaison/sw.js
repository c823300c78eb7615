/* 四邻联动's service worker, served at /sw.js by liaison/offline.py (scope: the site).
 *
 * It keeps the app shell (precached at install) and the last copy of each of the member's
 * daily pages opened online (network first, the kept copy when there is no signal), and
 * shows the offline page for any other page. Notebook entries never wait here: the page
 * (static/js/offline.js) keeps them in IndexedDB before it posts them and sends them again
 * until the server has them. Logging out deletes the kept pages (static/js/offline.js).
 */
importScripts(...{{ scripts|safe }});

const CONFIG = {{ config|safe }};
const PAGES_CACHE = "liaison-pages";

workbox.core.setCacheNameDetails({ prefix: "liaison" });
workbox.core.skipWaiting();
workbox.core.clientsClaim();
workbox.precaching.precacheAndRoute(CONFIG.precache, { ignoreURLParametersMatching: [/.*/] });
workbox.precaching.cleanupOutdatedCaches();

// Keep a page only when it is the page asked for: never a redirect to the login page (an
// ended session), an error, or a fragment that htmx asked for.
const onlyThePage = {
  cacheWillUpdate: async ({ request, response }) => {
    if (!response || response.status !== 200 || response.redirected) return null;
    if (request.headers.get("HX-Request")) return null;
    const type = response.headers.get("Content-Type") || "";
    return type.startsWith("text/html") ? response : null;
  },
};
// The visit form is kept once, whatever household it was opened for (?household=…): the
// page picks the household from its own address when it is shown offline.
const oneCopyPerPage = {
  cacheKeyWillBeUsed: async ({ request }) => {
    const url = new URL(request.url);
    return url.pathname === CONFIG.formPage ? url.origin + url.pathname : request.url;
  },
};

function isKeptPage(url, request) {
  if (url.origin !== self.location.origin || !CONFIG.pages.includes(url.pathname)) return false;
  if (request.headers.get("HX-Request")) return false;
  return url.pathname === CONFIG.formPage || url.search === "";
}

const router = new workbox.routing.Router();
router.registerRoute(
  new workbox.routing.Route(
    ({ url, request }) => isKeptPage(url, request),
    new workbox.strategies.NetworkFirst({
      cacheName: PAGES_CACHE,
      networkTimeoutSeconds: 8,
      plugins: [onlyThePage, oneCopyPerPage],
    }),
  ),
);
router.registerRoute(
  new workbox.routing.Route(
    ({ url }) => url.origin === self.location.origin && url.pathname.startsWith(CONFIG.staticPrefix),
    new workbox.strategies.StaleWhileRevalidate({ cacheName: "liaison-static" }),
  ),
);
// A visit form posted as the signal drops: the page kept the entry before posting, so
// answer with the kept form, where the entry shows as waiting to sync.
router.registerRoute(
  new workbox.routing.Route(
    ({ url, request }) => request.mode === "navigate" && url.pathname === CONFIG.formPage,
    new workbox.strategies.NetworkOnly(),
    "POST",
  ),
);
router.setCatchHandler(async ({ request, url }) => {
  if (request.mode !== "navigate") return Response.error();
  if (request.method === "POST" && url.pathname === CONFIG.formPage) {
    return Response.redirect(CONFIG.formPage + "?unsent=1", 303);
  }
  const kept = await caches.open(PAGES_CACHE).then((cache) => cache.match(request, { ignoreSearch: url.pathname === CONFIG.formPage }));
  return kept || (await workbox.precaching.matchPrecache(CONFIG.offlinePage)) || Response.error();
});
router.addFetchListener();
// The page asks for the page it was opened on to be kept, when the worker was not yet in
// charge of it (the first visit): {type: "CACHE_URLS", payload: {urlsToCache: [...]}}.
router.addCacheListener();
