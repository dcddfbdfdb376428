/* Field service worker: offline copies of the field pages. Never touches /api/ or non-GET requests;
   the outbox lives in the page (field.js), so the worker needs no credentials of its own. */
'use strict';
const V = 'fupin-field-v3';
const JS = '/field/field.js';
const PRE = ['/field/', '/field/signin', '/field/queue', '/field/tasks', JS];
const inScope = u => u.origin === location.origin && (u.pathname === '/field' || u.pathname.startsWith('/field/'));
// A redirect (e.g. to /login) or an error page must never replace a good copy.
const good = (r, html) => r.status === 200 && !r.redirected && (!html || /^text\/html/.test(r.headers.get('content-type') || ''));

async function grab(c, url, html) {
  try {
    const r = await fetch(url, { credentials: 'include' });
    if (good(r, html)) await c.put(url, r);
  } catch (_) { /* offline: keep the old copy */ }
}

self.addEventListener('install', e => {
  e.waitUntil(caches.open(V).then(c => Promise.all(PRE.map(u => grab(c, u, u !== JS)))).then(() => self.skipWaiting()));
});

self.addEventListener('activate', e => {
  e.waitUntil(caches.keys()
    .then(ks => Promise.all(ks.filter(k => k.startsWith('fupin-field') && k !== V).map(k => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', e => {
  const q = e.request, u = new URL(q.url);
  if (q.method !== 'GET' || !inScope(u) || u.pathname === '/field/sw.js') return;
  if (u.pathname === JS) return stale(e);
  if (q.mode === 'navigate' || /^\/field\/households\/[^/]+$/.test(u.pathname)) return page(e);
});

// Network first (4 s), then the stored copy, then the outbox page so queued work stays reachable.
function page(e) {
  const q = e.request, net = fetch(q);
  // Clone before the page reads the body: this callback runs first.
  e.waitUntil(net.then(r => {
    if (!good(r, true)) return;
    const copy = r.clone();
    return caches.open(V).then(c => c.put(q.url, copy));
  }).catch(() => {}));
  e.respondWith((async () => {
    try {
      return await Promise.race([net, new Promise((_, no) => setTimeout(no, 4000))]);
    } catch (_) {
      const c = await caches.open(V);
      const hit = await c.match(q.url, { ignoreVary: true });
      if (hit) return hit;
      try { return await net; } catch (_) { return (await c.match('/field/queue', { ignoreVary: true })) || Response.error(); }
    }
  })());
}

function stale(e) {
  const net = fetch(e.request);
  e.waitUntil(net.then(r => {
    if (!good(r)) return;
    const copy = r.clone();
    return caches.open(V).then(c => c.put(JS, copy));
  }).catch(() => {}));
  e.respondWith(caches.open(V).then(c => c.match(JS)).then(hit => hit || net));
}

self.addEventListener('message', e => {
  const d = e.data || {};
  if (d.type === 'cache-pages' && Array.isArray(d.urls)) e.waitUntil(keep(d.urls));
});

// Copies missing or a day old; three at a time, as a weak signal drowns hundreds of parallel fetches.
async function keep(urls) {
  const c = await caches.open(V);
  const todo = urls.map(u => new URL(u, location.href)).filter(inScope).map(String);
  const worker = async () => {
    for (let u; (u = todo.shift());) {
      const hit = await c.match(u, { ignoreVary: true });
      if (!hit || !(Date.now() - Date.parse(hit.headers.get('date')) < 864e5)) await grab(c, u, true);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
}

// Background Sync: the pages do the sending (they hold the session); wake them up.
self.addEventListener('sync', e => {
  if (e.tag !== 'fupin-sync') return;
  e.waitUntil(self.clients.matchAll({ type: 'window', includeUncontrolled: true })
    .then(cs => cs.forEach(c => c.postMessage({ type: 'sync' }))));
});
