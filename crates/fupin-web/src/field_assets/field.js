/* Field pages: position, photo downscale, IndexedDB outbox, exactly-once sync (see field-contract.md).
   Every form still posts as plain HTML when this script or IndexedDB is missing. */
(function () {
  'use strict';
  const doc = document, PAGE = doc.body && doc.body.dataset.fieldPage;
  if (!PAGE) return;
  const $ = (s, r) => (r || doc).querySelector(s), $$ = (s, r) => Array.from((r || doc).querySelectorAll(s));
  let TEXT = {};
  try { TEXT = JSON.parse($('#field-text').textContent); } catch (_) { /* keys show as themselves */ }
  const t = (k, v) => String(TEXT[k] ?? k).replace(/\{(\w+)\}/g, (m, n) => (v && n in v ? v[n] : m));
  const USER = ($('meta[name="fupin-user"]') || {}).content || '', LOCALE = doc.documentElement.lang || 'zh-CN';
  const LANG = /^en/i.test(LOCALE) ? 'en' : 'zh', now = () => new Date().toISOString();
  const el = (tag, cls, text) => {
    const e = doc.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  };
  const fill = (node, ...kids) => { node.textContent = ''; node.append(...kids); };
  const link = (href, text) => Object.assign(el('a', null, text), { href });
  const status = $('#sync-status'), syncBtn = $('#sync-now');
  const GEO = { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 };
  const posText = err => t(err.code === 1 ? 'position_denied' : 'position_unavailable');

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID(); // absent outside secure contexts
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /* ---------- outbox ---------- */
  let dbp;
  const db = () => dbp || (dbp = new Promise((ok, bad) => {
    const q = indexedDB.open('fupin-field', 1);
    q.onupgradeneeded = () => q.result.createObjectStore('outbox', { keyPath: 'client_id' }).createIndex('user', 'user');
    q.onsuccess = () => { q.result.onversionchange = () => q.result.close(); ok(q.result); };
    q.onerror = () => bad(q.error);
  }));
  const store = (mode, fn) => db().then(d => new Promise((ok, bad) => {
    const x = d.transaction('outbox', mode), q = fn(x.objectStore('outbox'));
    x.oncomplete = () => ok(q.result);
    x.onerror = x.onabort = () => bad(x.error);
  }));
  const mine = () => store('readonly', s => s.index('user').getAll(USER));
  const get = id => store('readonly', s => s.get(id));
  const put = r => store('readwrite', s => s.put(r));
  const drop = id => store('readwrite', s => s.delete(id));
  const purge = async () => { // sent records stay listed for 7 days
    for (const r of await store('readonly', s => s.getAll())) {
      if (r.state === 'sent' && Date.parse(r.sent_at) < Date.now() - 7 * 864e5) await drop(r.client_id);
    }
  };

  /* ---------- sync ---------- */
  let running = null, again = false, loginNeeded = false, netDown = false, sentNow = 0, reg = null;
  function sync() {
    if (!USER) return Promise.resolve();
    if (running) { again = true; return running; } // a record queued mid-round gets one more round
    if (syncBtn) syncBtn.disabled = true;
    running = (async () => {
      // One round at a time across tabs too; each round re-reads every record, so none goes twice.
      do { again = false; await (navigator.locks ? navigator.locks.request('fupin-field-sync', round) : round()); } while (again);
    })().catch(() => {}).finally(() => { running = null; if (syncBtn) syncBtn.disabled = false; refresh(); });
    return running;
  }

  async function call(url, opts) {
    const ac = new AbortController(), timer = setTimeout(() => ac.abort(), 60000);
    try {
      const r = await fetch(url, Object.assign({ credentials: 'same-origin', signal: ac.signal }, opts));
      netDown = false;
      return r;
    } catch (_) { netDown = true; return null; } finally { clearTimeout(timer); }
  }

  function request(r, csrf) {
    const headers = { 'X-CSRF-Token': csrf, Accept: 'application/json' };
    let body = JSON.stringify(r.body);
    if (r.kind === 'visit') {
      const fd = new FormData();
      fd.append('visit', new Blob([body], { type: 'application/json' }));
      r.photos.forEach((p, i) => fd.append('photo', p, `photo-${i + 1}.${(/png|webp/.exec(p.type) || ['jpg'])[0]}`));
      body = fd;
    } else headers['Content-Type'] = 'application/json';
    return [`/api/v1/field/${r.kind}s?lang=${LANG}`, { method: 'POST', headers, body }];
  }

  async function round() {
    const recs = (await mine()).sort((a, b) => (a.created < b.created ? -1 : 1));
    for (const r of recs) {
      // A tab that died mid-send left 'sending': holding the lock (or 2 min) proves nobody sends it now.
      if (r.state === 'sending' && (navigator.locks || Date.now() - Date.parse(r.sending_at) > 12e4)) {
        r.state = 'queued';
        await put(r);
      }
    }
    const todo = recs.filter(r => r.state === 'queued');
    if (!todo.length) return;
    if (!navigator.onLine) { netDown = true; return; }
    let res = await call('/api/v1/field/session', { headers: { Accept: 'application/json' } });
    if (!res) return;
    const sess = res.ok ? await res.json().catch(() => null) : null;
    // A redirect to the login page also answers 200, so the body must look like a session.
    if (res.status === 401 || res.redirected || (res.ok && !(sess && sess.csrf))) { loginNeeded = true; return; }
    if (!sess) return;
    loginNeeded = false;
    for (const { client_id, user } of todo) {
      if (String(sess.user_id) !== String(user)) continue; // another login: keep it for its owner
      const r = await get(client_id);
      if (!r || r.state !== 'queued') continue;
      await put(Object.assign(r, { state: 'sending', sending_at: now() }));
      refresh();
      res = await call(...request(r, sess.csrf));
      const st = res ? res.status : 0, j = (res && (await res.json().catch(() => null))) || {};
      if ((st === 200 || st === 201) && (j.id != null || j.status)) {
        // The server has the photos: keep only their count for the days the record stays listed.
        Object.assign(r, { state: 'sent', server_id: j.id ?? null, flags: j.flags || [], refusal: null, last_error: null,
          sent_at: now(), photo_count: r.photos.length, photos: [] });
        sentNow++;
      } else if ([400, 403, 404, 409, 413, 415, 422].includes(st)) {
        r.state = 'refused';
        r.refusal = { detail: j.detail || `HTTP ${st}`, issues: j.issues || [], request_id: j.request_id };
      } else { // 401, 5xx, network, timeout: stays queued for the next trigger
        r.state = 'queued';
        if (st === 401 || (res && res.redirected)) loginNeeded = true;
        else Object.assign(r, { attempts: (r.attempts || 0) + 1, last_error: st ? 'http-' + st : 'network' });
        return put(r);
      }
      await put(r);
    }
  }

  /* ---------- showing state ---------- */
  const label = r => (r.kind === 'visit' ? t('visit_to', { name: r.label })
    : `${t(r.body.kind === 'out' ? 'signin_out' : 'signin_in')} · ${r.label}`);

  function stateNodes(r, inline) {
    const out = [el('p', 'state', t(inline && r.state === 'queued' ? 'saved_offline' : r.state))];
    if (r.state === 'queued' && /^http-5/.test(r.last_error)) out.push(el('p', 'error', t('server_error')));
    if (r.state === 'refused' && r.refusal) {
      const ul = el('ul', 'issues');
      for (const i of r.refusal.issues || []) if (i && i.message) ul.append(el('li', null, i.message));
      out.push(el('p', 'detail', r.refusal.detail));
      if (ul.firstChild) out.push(ul);
    }
    if (r.flags && r.flags.length) {
      out.push(el('p', 'flags', t('flags', { list: r.flags.map(f => f.text || f.code).join(LANG === 'en' ? ', ' : '、') })));
    }
    return out;
  }

  let onRefresh = null;
  async function refresh() {
    let recs;
    try { recs = await mine(); } catch (_) { return; }
    const count = s => recs.filter(r => s.includes(r.state)).length;
    const q = count('queued sending'), bad = count('refused'), off = !navigator.onLine || netDown;
    if (status) {
      const refused = t('refused_count', { n: bad }), parts = [
        off && t('offline'),
        loginNeeded && link('/login?next=' + encodeURIComponent(location.pathname), t('login_needed')),
        q && t('queued_count', { n: q }),
        bad && (PAGE === 'queue' ? refused : link('/field/queue', refused)),
        sentNow && t('sent_count', { n: sentNow })].filter(Boolean);
      if (!parts.length) parts.push(t('nothing_queued'));
      fill(status, ...parts.flatMap((p, i) => (i ? [' · ', p] : [p])));
      status.classList.toggle('offline', off);
      status.classList.toggle('has-refused', bad > 0);
    }
    if (PAGE === 'queue') renderQueue(recs);
    if (onRefresh) onRefresh();
  }

  function renderQueue(recs) {
    const box = $('#queue');
    if (!box) return;
    if (!recs.length) return fill(box, el('p', 'empty', t('nothing_queued')));
    const ul = el('ul', 'outbox');
    for (const r of recs.sort((a, b) => (a.created < b.created ? 1 : -1))) {
      const li = el('li', 'item state-' + r.state), when = el('time', 'when', new Date(r.created).toLocaleString(LOCALE));
      li.dataset.clientId = r.client_id;
      when.dateTime = r.created;
      li.append(el('strong', 'label', label(r)), ' ', when);
      if (r.kind === 'visit') li.append(' ', el('span', 'photos', t('photo_count', { n: r.photo_count ?? r.photos.length })));
      li.append(...stateNodes(r, false));
      if (r.state === 'refused') {
        for (const act of ['retry', 'discard']) li.append(Object.assign(el('button', act, t(act)), { type: 'button', value: act }));
      }
      ul.append(li);
    }
    fill(box, ul);
  }

  function queuePage() {
    const box = $('#queue');
    if (box) box.addEventListener('click', async e => {
      const b = e.target.closest('button[value]'), li = b && b.closest('li[data-client-id]');
      const r = li && await get(li.dataset.clientId);
      if (!r || r.state !== 'refused') return;
      if (b.value === 'discard') {
        if (confirm(t('discard_confirm'))) await drop(r.client_id);
        return refresh();
      }
      await put(Object.assign(r, { state: 'queued', refusal: null, last_error: null, attempts: 0 }));
      refresh();
      sync();
    });
  }

  /* ---------- position ---------- */
  let pos = null;
  function watchPos(form) {
    const out = $('#position'), say = s => { if (out) out.textContent = s; };
    if (!navigator.geolocation) return say(t('position_unavailable'));
    const set = (n, v) => { if (form.elements[n]) form.elements[n].value = v; };
    let id = null;
    const start = () => {
      if (id != null) return;
      if (!pos) say(t('position_wait'));
      id = navigator.geolocation.watchPosition(({ coords: c }) => {
        pos = { lat: c.latitude, lon: c.longitude, accuracy_m: c.accuracy };
        set('lat', c.latitude);
        set('lon', c.longitude);
        set('accuracy', c.accuracy);
        say(t('position_ok', { m: Math.round(c.accuracy) }));
      }, err => { if (!pos) say(posText(err)); }, GEO);
    };
    // GPS drains cheap batteries: watch only while the page is on screen.
    doc.addEventListener('visibilitychange', () => {
      if (!doc.hidden) start();
      else if (id != null) { navigator.geolocation.clearWatch(id); id = null; }
    });
    start();
  }
  const coords = () => Object.assign({ lat: null, lon: null, accuracy_m: null }, pos);

  /* ---------- forms: store the record, then try to send it ---------- */
  function formSetup(form) {
    const E = form.elements, btns = $$('button[type=submit], button:not([type]), input[type=submit]', form);
    // The id the server wrote into the page is for a post without script; a page opened from
    // the cache carries the same one every time, so each record gets one of its own here.
    E.client_id.value = uuid();
    const note = Object.assign(el('div', 'field-result'), { hidden: true });
    note.setAttribute('role', 'status');
    if (btns.length) btns[btns.length - 1].before(note); else form.append(note);
    const say = (...kids) => { fill(note, ...kids); note.hidden = !kids.length; };
    let shown = null, busy = false;
    onRefresh = async () => {
      const r = shown && await get(shown);
      if (r) say(el('strong', 'label', label(r)), ...stateNodes(r, true), link('/field/queue', t('open_queue')));
    };
    const lock = on => { busy = on; btns.forEach(b => { b.disabled = on; }); };
    // make(client_id) builds the record or throws a message; after() clears the form once it is stored.
    const submit = async (make, after) => {
      if (busy) return;
      lock(true);
      try {
        const rec = Object.assign(await make(E.client_id.value || uuid()), { user: USER, created: now(),
          state: 'queued', attempts: 0, last_error: null, server_id: null, flags: [], refusal: null });
        await put(rec).catch(() => { throw t('save_failed'); });
        E.client_id.value = uuid(); // the next record is a new one; this one keeps its id until sent
        if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
        if (reg && reg.sync) reg.sync.register('fupin-sync').catch(() => {});
        shown = rec.client_id;
        if (after) after();
        lock(false); // stored: a weak network must not hold the form for the send's 60 s
        await onRefresh();
        note.scrollIntoView({ block: 'nearest' });
        sync();
      } catch (err) {
        say(el('p', 'error', typeof err === 'string' ? err : t('save_failed')));
      } finally { lock(false); }
    };
    return { E, say, submit };
  }

  function visitPage(form) {
    const input = $('input[type=file][name=photos]', form), list = $('#photo-previews');
    const max = +(input && input.dataset.maxPhotos) || 6, maxBytes = +(input && input.dataset.maxBytes) || 5242880;
    const { E, say, submit } = formSetup(form), error = k => say(el('p', 'error', t(k)));
    let picked = [], urls = [];
    const show = () => {
      urls.forEach(u => URL.revokeObjectURL(u));
      urls = picked.map(f => URL.createObjectURL(f));
      if (list) fill(list, ...picked.map((f, i) => {
        const b = Object.assign(el('button', 'remove', t('photo_remove')), { type: 'button' }), li = el('li', 'photo');
        b.addEventListener('click', () => { picked.splice(i, 1); show(); });
        // width is an attribute, not a style: small even without a stylesheet
        li.append(Object.assign(el('img'), { src: urls[i], alt: f.name || '', width: 96 }), b);
        return li;
      }));
    };
    if (input) {
      input.removeAttribute('required'); // emptied after each pick; the count is checked on submit
      // A camera capture gives one photo per pick: collect the picks instead of replacing them.
      input.addEventListener('change', () => {
        let err = null;
        for (const f of input.files) {
          if (f.type && !/^image\//.test(f.type)) err = 'photo_not_image';
          else if (picked.length >= max) err = 'photos_too_many';
          else picked.push(f);
        }
        input.value = '';
        show();
        if (err) error(err); else say();
      });
    }
    form.addEventListener('submit', e => {
      e.preventDefault();
      if (!picked.length || picked.length > max) return error(picked.length ? 'photos_too_many' : 'photos_needed');
      say(el('p', 'busy', t('preparing')));
      submit(async id => {
        const photos = [];
        for (const f of picked) {
          const b = await shrink(f).catch(() => { throw `${t('photo_not_image')} ${f.name || ''}`; });
          if (b.size > maxBytes) throw t('photo_too_big', { name: f.name || '' });
          photos.push(b);
        }
        const hid = Number(form.dataset.household), body = Object.assign({ client_id: id,
          household_id: Number.isSafeInteger(hid) ? hid : form.dataset.household, visited_at: now() }, coords(), {
          done: E.done ? E.done.value : '', needs: E.needs ? E.needs.value : '',
          changed: $$('input[name=changed]:checked', form).map(c => c.value) });
        if (E.visited_at) E.visited_at.value = body.visited_at;
        return { client_id: id, kind: 'visit', body, photos, label: form.dataset.name || '' };
      }, () => { form.reset(); picked = []; show(); });
    });
  }

  function signinPage(form) {
    const { E, submit } = formSetup(form);
    let last = null; // for browsers without SubmitEvent.submitter
    form.addEventListener('click', e => { last = e.target.closest('[name=kind]') || last; });
    form.addEventListener('submit', e => {
      e.preventDefault();
      const b = e.submitter || last, sel = E.village, opt = sel && sel.options[sel.selectedIndex];
      submit(async id => {
        const body = Object.assign({ client_id: id, kind: b && b.value === 'out' ? 'out' : 'in',
          village_code: sel ? sel.value : '', at: now() }, coords());
        if (E.at) E.at.value = body.at;
        return { client_id: id, kind: 'signin', body, photos: [], label: opt ? opt.textContent.trim() : body.village_code };
      });
    });
  }

  /* ---------- photos: downscale, keep Exif ---------- */
  async function decode(f) {
    try {
      const b = await createImageBitmap(f, { imageOrientation: 'from-image' });
      return [b, b.width, b.height, () => b.close()];
    } catch (_) { /* older engines: an <img> applies the orientation as well */ }
    const img = new Image(), u = URL.createObjectURL(f);
    img.src = u;
    try { await img.decode(); } catch (e) { URL.revokeObjectURL(u); throw e; }
    return [img, img.naturalWidth, img.naturalHeight, () => URL.revokeObjectURL(u)];
  }

  async function shrink(f) {
    const [src, w, h, done] = await decode(f), s = Math.min(1, 1280 / Math.max(w, h)), c = el('canvas');
    c.width = Math.max(1, Math.round(w * s));
    c.height = Math.max(1, Math.round(h * s));
    const g = c.getContext('2d');
    g.fillStyle = '#fff'; // transparent PNG areas would turn black in a JPEG
    g.fillRect(0, 0, c.width, c.height);
    g.imageSmoothingQuality = 'high';
    g.drawImage(src, 0, 0, c.width, c.height);
    done();
    let out = await new Promise(ok => c.toBlob(ok, 'image/jpeg', 0.72));
    c.width = c.height = 0; // frees the pixels at once on low-memory phones
    if (!out) return f;
    const app1 = await exifOf(f);
    if (app1) out = new Blob([out.slice(0, 2), app1, out.slice(2)], { type: 'image/jpeg' });
    return out.size < f.size ? out : f;
  }

  // The original's Exif APP1 (time taken, GPS) for the server, Orientation set to 1: the pixels are upright now.
  async function exifOf(f) {
    const buf = await f.slice(0, 131072).arrayBuffer(), v = new DataView(buf);
    if (v.byteLength < 4 || v.getUint16(0) !== 0xffd8) return null;
    for (let p = 2; p + 4 <= v.byteLength;) {
      const m = v.getUint16(p);
      if (m === 0xffff) { p++; continue; } // fill byte
      if (m >> 8 !== 0xff || m === 0xffda || m === 0xffd9) return null; // image data begins: no Exif
      const end = p + 2 + v.getUint16(p + 2);
      if (end > v.byteLength) return null;
      if (m === 0xffe1 && end >= p + 18 && v.getUint32(p + 4) === 0x45786966 && v.getUint16(p + 8) === 0) {
        const seg = new Uint8Array(buf.slice(p, end));
        upright(new DataView(seg.buffer), 10);
        return seg;
      }
      p = end;
    }
    return null;
  }

  function upright(v, t0) { // t0: offset of the TIFF header
    const le = v.getUint16(t0) === 0x4949;
    if ((!le && v.getUint16(t0) !== 0x4d4d) || v.getUint16(t0 + 2, le) !== 42) return;
    const ifd = t0 + v.getUint32(t0 + 4, le);
    if (ifd + 2 > v.byteLength) return;
    for (let i = 0, n = v.getUint16(ifd, le); i < n; i++) {
      const e = ifd + 2 + i * 12;
      if (e + 12 > v.byteLength) return;
      if (v.getUint16(e, le) === 0x0112) {
        v.setUint16(e + 2, 3, le); // SHORT
        v.setUint32(e + 4, 1, le); // count 1
        v.setUint32(e + 8, 0); // the value sits left-justified in the 4 bytes
        v.setUint16(e + 8, 1, le);
        return;
      }
    }
  }

  /* ---------- households: distance, order, offline copies ---------- */
  function householdsPage(ul) {
    const lis = $$('li[data-household]', ul);
    cachePages(lis.map(li => '/field/households/' + encodeURIComponent(li.dataset.household)));
    if (navigator.geolocation) navigator.geolocation.getCurrentPosition(({ coords: { latitude: a, longitude: o } }) => {
      const R = Math.PI / 180, dist = li => {
        const la = parseFloat(li.dataset.lat), lo = parseFloat(li.dataset.lon);
        if (!isFinite(la) || !isFinite(lo)) return Infinity;
        const x = Math.sin((la - a) * R / 2) ** 2 + Math.cos(a * R) * Math.cos(la * R) * Math.sin((lo - o) * R / 2) ** 2;
        return 12742000 * Math.asin(Math.min(1, Math.sqrt(x))); // haversine; Earth's diameter in m
      };
      // Array sort is stable: unknown locations (Infinity) stay last, in server order.
      for (const [li, m] of lis.map(li => [li, dist(li)]).sort((x, y) => (x[1] === y[1] ? 0 : x[1] < y[1] ? -1 : 1))) {
        const s = $('.distance', li), r = Math.round(m);
        if (s && m < Infinity) s.textContent = r < 1000 ? t('distance_m', { m: r }) : t('distance_km', { km: (m / 1000).toFixed(1) });
        ul.append(li);
      }
    }, err => { const out = $('#position'); if (out) out.textContent = posText(err); }, GEO);
  }

  /* ---------- service worker ---------- */
  let regReady = Promise.resolve(null);
  if ('serviceWorker' in navigator) {
    regReady = navigator.serviceWorker.register('/field/sw.js', { scope: '/field/' }).then(r => (reg = r), () => null);
    navigator.serviceWorker.addEventListener('message', e => { if (e.data && e.data.type === 'sync') sync(); });
    navigator.serviceWorker.startMessages();
  }
  // Not serviceWorker.ready: it never settles on /field, which lies outside the '/field/' scope.
  const cachePages = urls => regReady.then(r => {
    const w = r && (r.active || r.installing || r.waiting), post = () => w.postMessage({ type: 'cache-pages', urls });
    if (!w || !urls.length) return;
    if (w.state === 'activated') post();
    else w.addEventListener('statechange', () => { if (w.state === 'activated') post(); });
  });

  // Logout: the next person on this phone must not see this user's cached pages (the outbox stays).
  doc.addEventListener('submit', e => {
    const f = e.target;
    if (f.getAttribute('action') !== '/logout' || !window.caches) return;
    e.preventDefault();
    const clear = caches.keys().then(ks => Promise.all(ks.filter(k => k.startsWith('fupin-field')).map(k => caches.delete(k))));
    Promise.race([clear, new Promise(ok => setTimeout(ok, 2000))]).catch(() => {})
      .then(() => HTMLFormElement.prototype.submit.call(f));
  });

  /* ---------- start ---------- */
  const ul = $('#my-households'), form = $('#visit-form, #signin-form');
  if (PAGE === 'households' && ul) householdsPage(ul);
  if (form) {
    watchPos(form);
    if (form.elements.client_id && !form.elements.client_id.value) form.elements.client_id.value = uuid(); // plain posts too
  }
  db().then(() => purge().catch(() => {})).then(() => {
    if (form) (form.id === 'visit-form' ? visitPage : signinPage)(form);
    if (PAGE === 'queue') queuePage();
    if (syncBtn) syncBtn.addEventListener('click', () => sync());
    addEventListener('online', () => sync());
    addEventListener('offline', refresh);
    setInterval(() => { if (!doc.hidden) sync(); }, 60000);
    doc.addEventListener('visibilitychange', () => { if (!doc.hidden) sync(); });
    refresh();
    sync();
  }, () => { /* no IndexedDB (e.g. private mode): the forms post as plain HTML */ });
})();
