// Plays the browser against Cerulean's server-rendered sign-in pages with fetch: parses each
// page's forms (action, method, hidden fields such as CSRF tokens, submit buttons), fills the
// fields it recognises (user name, password, device user code), submits, follows redirects by
// hand with a small cookie jar, and stops at the first redirect to the client's redirect_uri
// (captured, not followed) or at a page with nothing left to submit.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const USER_FIELD = /(login|user(name)?|email|upn|loginfmt|account|identifier)/i;
const PASSWORD_FIELD = /(passw|passwd|pwd)/i;
const CODE_FIELD = /(user_?code|otc|device_?code|^code$|usercode)/i;
const POSITIVE = /(accept|allow|yes|consent|continue|next|sign ?in|submit|verify|confirm|ok\b|approve|grant)/i;
const NEGATIVE = /(cancel|deny|decline|reject|\bno\b|back|sign ?out|logout|forgot|other|different)/i;

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };
export function unescapeHtml(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+\d*);/gi, (m, e) => {
    if (e[0] === '#') {
      const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(n) ? String.fromCodePoint(n) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

function attrs(src) {
  const out = {};
  const re = /([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?/g;
  let m;
  while ((m = re.exec(src))) {
    out[m[1].toLowerCase()] = unescapeHtml(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

class Control {
  constructor(tag, a) {
    this.tag = tag;
    this.attrs = a;
    this.text = '';
    this.options = [];
  }
  get name() { return this.attrs.name ?? ''; }
  get type() {
    if (this.tag === 'button') return (this.attrs.type ?? 'submit').toLowerCase();
    if (this.tag === 'input') return (this.attrs.type ?? 'text').toLowerCase();
    return this.tag;
  }
  label() {
    return [this.name, this.attrs.id, this.attrs.value, this.text, this.attrs['aria-label'],
      this.attrs.placeholder, this.attrs.autocomplete].filter(Boolean).join(' ');
  }
}

/** Forms of an HTML page and its visible text (script and style bodies removed). */
export function parseForms(html) {
  const clean = html.replace(/<!--[\s\S]*?-->/g, '').replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, '');
  const forms = [];
  const formRe = /<form\b([^>]*)>([\s\S]*?)(?:<\/form\s*>|$)/gi;
  let fm;
  while ((fm = formRe.exec(clean))) {
    const form = { attrs: attrs(fm[1]), controls: [] };
    form.method = (form.attrs.method ?? 'get').toUpperCase();
    const body = fm[2];
    const tagRe = /<(input|button|textarea|select|option)\b([^>]*)>|<\/(button|textarea|select)\s*>/gi;
    let tm;
    let open = null;
    let openStart = 0;
    let select = null;
    while ((tm = tagRe.exec(body))) {
      if (tm[3]) {
        const closing = tm[3].toLowerCase();
        if (open && open.tag === closing) {
          open.text = unescapeHtml(body.slice(openStart, tm.index).replace(/<[^>]*>/g, ' ')).trim();
          open = null;
        }
        if (closing === 'select') select = null;
        continue;
      }
      const tag = tm[1].toLowerCase();
      const a = attrs(tm[2]);
      if (tag === 'option') {
        if (select) select.options.push([a.value ?? '', 'selected' in a]);
        continue;
      }
      const c = new Control(tag, a);
      form.controls.push(c);
      if (tag === 'button' || tag === 'textarea') { open = c; openStart = tm.index + tm[0].length; }
      if (tag === 'select') select = c;
    }
    forms.push(form);
  }
  const text = unescapeHtml(clean.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
  return { forms, text };
}

class CookieJar {
  constructor() { this.cookies = new Map(); } // host -> Map(name -> value)
  store(url, response) {
    const host = new URL(url).host;
    const setCookies = response.headers.getSetCookie?.() ?? [];
    for (const sc of setCookies) {
      const [pair] = sc.split(';');
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (!this.cookies.has(host)) this.cookies.set(host, new Map());
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(sc)) this.cookies.get(host).delete(name);
      else this.cookies.get(host).set(name, value);
    }
  }
  header(url) {
    const jar = this.cookies.get(new URL(url).host);
    if (!jar || jar.size === 0) return undefined;
    return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export class SignInError extends Error {}

export class FormDriver {
  /**
   * @param {{username: string, password: string, userCode?: string}} creds
   * @param {{label: string, redirectPrefix?: string, artifacts?: string, maxSteps?: number}} opts
   */
  constructor(creds, opts) {
    this.creds = creds;
    this.redirectPrefix = opts.redirectPrefix;
    this.maxSteps = opts.maxSteps ?? 12;
    this.pagesDir = join(opts.artifacts ?? process.env.CERULEAN_ARTIFACTS ?? 'artifacts/interop', 'pages', opts.label);
    this.trace = [];
    this.jar = new CookieJar();
    this.pageNo = 0;
  }

  async request(method, url, body) {
    const headers = { 'user-agent': 'cerulean-interop-harness (node fetch)' };
    const cookie = this.jar.header(url);
    if (cookie) headers.cookie = cookie;
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(20000) });
    this.jar.store(url, res);
    this.trace.push(`${method} ${url.length > 160 ? url.slice(0, 157) + '...' : url} -> ${res.status}`);
    return res;
  }

  isClientRedirect(target) {
    if (!this.redirectPrefix) return false;
    const t = new URL(target);
    const p = new URL(this.redirectPrefix);
    return t.protocol === p.protocol && t.host.toLowerCase() === p.host.toLowerCase()
      && t.pathname.replace(/\/$/, '') === p.pathname.replace(/\/$/, '');
  }

  save(url, html) {
    try {
      mkdirSync(this.pagesDir, { recursive: true });
      this.pageNo += 1;
      const slug = new URL(url).pathname.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '').slice(0, 60) || 'root';
      writeFileSync(join(this.pagesDir, `${String(this.pageNo).padStart(2, '0')}-${slug}.html`), html);
    } catch { /* artifacts are best effort */ }
  }

  fillable(c) {
    if (!['input', 'textarea'].includes(c.tag)) return null;
    if (['hidden', 'submit', 'button', 'image', 'checkbox', 'radio', 'reset', 'file'].includes(c.type)) return null;
    const label = c.label();
    if (c.type === 'password' || PASSWORD_FIELD.test(c.name)) return 'password';
    if (CODE_FIELD.test(c.name) || CODE_FIELD.test(c.attrs.id ?? '')) return 'code';
    if (c.type === 'email' || USER_FIELD.test(c.name) || USER_FIELD.test(label)) return 'user';
    if (this.creds.userCode && /code/i.test(label)) return 'code';
    return null;
  }

  chooseForm(forms) {
    let best = null;
    let bestScore = 0;
    for (const f of forms) {
      const kinds = new Set(f.controls.map((c) => this.fillable(c)).filter(Boolean));
      const submits = f.controls.filter((c) => ['submit', 'image'].includes(c.type));
      let score = 0;
      if (kinds.has('password')) score += 30;
      if (kinds.has('user')) score += 20;
      if (kinds.has('code') && this.creds.userCode) score += 25;
      if (submits.some((s) => POSITIVE.test(s.label()))) score += 10;
      else if (submits.length || f.method === 'POST') score += 5;
      if (NEGATIVE.test(f.attrs.action ?? '')) score -= 20;
      if (score > bestScore) { best = f; bestScore = score; }
    }
    return best;
  }

  async submit(pageUrl, form) {
    const submits = form.controls.filter((c) => ['submit', 'image'].includes(c.type) && c.name);
    const rank = (c) => (NEGATIVE.test(c.label()) ? 2 : 0) + (POSITIVE.test(c.label()) ? 0 : 1);
    const chosen = submits.sort((a, b) => rank(a) - rank(b))[0];
    const data = new URLSearchParams();
    const filled = [];
    for (const c of form.controls) {
      if (!c.name || 'disabled' in c.attrs) continue;
      if (['submit', 'image', 'button', 'reset'].includes(c.type)) {
        if (c === chosen) data.append(c.name, c.attrs.value ?? c.text);
        continue;
      }
      if (['checkbox', 'radio'].includes(c.type)) {
        if ('checked' in c.attrs) data.append(c.name, c.attrs.value ?? 'on');
        continue;
      }
      if (c.tag === 'select') {
        const sel = c.options.filter(([, s]) => s).map(([v]) => v);
        for (const v of (sel.length ? sel : c.options.slice(0, 1).map(([v]) => v))) data.append(c.name, v);
        continue;
      }
      let value = c.tag === 'input' ? (c.attrs.value ?? '') : c.text;
      const kind = this.fillable(c);
      if (kind === 'user') { value = this.creds.username; filled.push('user'); }
      else if (kind === 'password') { value = this.creds.password; filled.push('password'); }
      else if (kind === 'code' && this.creds.userCode) { value = this.creds.userCode; filled.push('code'); }
      data.append(c.name, value);
    }
    const action = new URL(chosen?.attrs.formaction || form.attrs.action || pageUrl, pageUrl).toString();
    const method = (chosen?.attrs.formmethod || form.method).toUpperCase();
    this.trace.push(`submit ${method} ${action} fields=${[...data.keys()].join(',')} filled=${filled.join(',')}`);
    if (method === 'GET') {
      const u = new URL(action);
      for (const [k, v] of data) u.searchParams.append(k, v);
      return [u.toString(), await this.request('GET', u.toString())];
    }
    return [action, await this.request('POST', action, data.toString())];
  }

  /** Walks from `url`; returns {redirect, finalUrl, status, text, trace}. */
  async run(url) {
    let current = url;
    let res = await this.request('GET', url);
    const seen = new Set();
    for (let step = 0; step < this.maxSteps; step++) {
      if (res.status >= 300 && res.status < 400) {
        const loc = res.headers.get('location');
        if (!loc) throw new SignInError(`${res.status} without Location at ${current}; trace:\n${this.trace.join('\n')}`);
        const target = new URL(loc, current).toString();
        await res.arrayBuffer().catch(() => {});
        if (this.isClientRedirect(target)) {
          this.trace.push(`captured redirect ${target}`);
          return { redirect: target, finalUrl: current, status: res.status, text: '', trace: this.trace };
        }
        current = target;
        res = await this.request('GET', target);
        continue;
      }
      const html = await res.text();
      this.save(current, html);
      const { forms, text } = parseForms(html);
      if (res.status >= 400) {
        throw new SignInError(`HTTP ${res.status} at ${current}: ${text.slice(0, 400)}\ntrace:\n${this.trace.join('\n')}`);
      }
      const form = this.chooseForm(forms);
      const signature = `${current}\n${text}`;
      if (!form || seen.has(signature)) {
        return { redirect: null, finalUrl: current, status: res.status, text, trace: this.trace };
      }
      seen.add(signature);
      [current, res] = await this.submit(current, form);
    }
    throw new SignInError(`gave up after ${this.maxSteps} pages; trace:\n${this.trace.join('\n')}`);
  }
}
