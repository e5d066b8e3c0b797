/* 一网通办 service worker (served from /sw.js so its scope is the whole site).
   It keeps ONLY the offline page and the platform's static files (public, the same for
   everyone). Pages, API answers, documents and anything else go to the network and are never
   stored: personal data never lands in a cache. When the network is down, a page request gets
   the offline page. */
"use strict";
const CACHE = "yiwang-static-{{ version }}";
const OFFLINE_URL = "{{ offline_url }}";
const STATIC_PREFIX = "{{ static_prefix }}";
const PRECACHE = [{% for url in assets %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      // the offline page without cookies: it is the same for everyone
      fetch(new Request(OFFLINE_URL, { credentials: "omit" })).then((response) =>
        cache.put(OFFLINE_URL, response).then(() => cache.addAll(PRECACHE))
      )
    ).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) =>
      Promise.all(keys.filter((k) => k.startsWith("yiwang-") && k !== CACHE).map((k) => caches.delete(k)))
    ).then(() => self.clients.claim())
  );
});

function isStatic(url) {
  return url.origin === self.location.origin && url.pathname.startsWith(STATIC_PREFIX);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return; // the network, untouched
  }
  const url = new URL(request.url);
  if (isStatic(url)) {
    // Static files: the cache first, then the network (and kept: they are public).
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).then((response) => {
        if (response.ok && response.type === "basic") {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      }))
    );
    return;
  }
  if (request.mode === "navigate") {
    // Pages: always the network, never stored; the offline page when there is none.
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL)));
  }
  // Everything else (API, documents, uploads): the network, never stored.
});
