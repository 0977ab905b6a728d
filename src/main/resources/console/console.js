// stk-bridge support console: a page over the support API (/api, described by /api/openapi.json).
// Everything shown comes from the API and is put on the page as text (callback bodies come from outside), never as HTML.
'use strict';

const CREDENTIAL_KEY = 'stk-console-credential';

const STATUS = {
  SUCCEEDED: { label: 'Paid', css: 'ok', explain: 'M-Pesa confirmed the payment (ResultCode 0). It is safe to fulfil the order.' },
  FAILED: { label: 'Not paid', css: 'bad', explain: 'M-Pesa says this payment did not go through. No money was taken.' },
  REJECTED: { label: 'Rejected', css: 'off', explain: 'The payment request was invalid and was never sent to the customer\u2019s phone.' },
  UNKNOWN: { label: 'Unknown', css: 'warn', explain: 'It is not known whether the customer paid. Do not refund or fulfil on this: ask M-Pesa now, or check the M-Pesa statement.' },
  ACCEPTED: { label: 'Waiting for customer', css: 'wait', explain: 'The customer was prompted on their phone; waiting for their answer or for M-Pesa\u2019s result.' },
  PENDING_PUSH: { label: 'Sending', css: 'wait', explain: 'The request is being sent to M-Pesa.' },
  DEFERRED: { label: 'Waiting for M-Pesa', css: 'wait', explain: 'M-Pesa was unavailable; the request will be sent automatically when it is back. Nothing was sent yet.' },
};
const CHART_STATUSES = ['SUCCEEDED', 'FAILED', 'UNKNOWN', 'REJECTED'];

const state = { credential: null, me: null, search: null, page: 0, revealed: null, attempt: null };

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.substring(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// ---------- formatting: KES, EAT, masked phones ----------

function kes(amount) {
  return amount === null || amount === undefined ? '—' : 'KES ' + Number(amount).toLocaleString('en-KE');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// The API gives times in EAT already (2026-11-23T21:40:05.123+03:00): shown as they are, whatever the browser's zone.
function eat(text) {
  if (!text) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(text);
  if (!m) return text;
  return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}, ${m[4]}:${m[5]}:${m[6]} EAT (+03:00)`;
}

// In tables: the column header says EAT.
function eatShort(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(text || '');
  return m ? `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]} ${m[4]}:${m[5]}` : '—';
}

function duration(seconds) {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

// The API gives phone numbers masked; the full one only to a reveal, which it records in the attempt's timeline.
function phoneText(attempt) {
  return state.revealed && state.revealed.attemptId === attempt.attemptId
    ? state.revealed.phoneNumber : attempt.phoneNumberMasked || '—';
}

async function revealPhone() {
  const attemptId = state.attempt.attemptId;
  try {
    state.revealed = await api('POST', '/api/attempts/' + encodeURIComponent(attemptId) + '/reveal');
    state.attempt = await api('GET', '/api/attempts/' + encodeURIComponent(attemptId));
  } catch (e) {
    if (e.status !== 401) $('query-message').textContent = 'Could not show the number: ' + e.message;
  }
  renderAttempt();
}

function badge(status) {
  const s = STATUS[status] || { label: status, css: 'wait' };
  return el('span', { class: 'badge ' + s.css, 'data-status': status }, s.label);
}

// ---------- API ----------

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(method, path) {
  const headers = { 'X-Requested-With': 'stk-console', Accept: 'application/json' };
  if (state.credential.key) headers['X-Api-Key'] = state.credential.key;
  else headers.Authorization = 'Basic ' + btoa(unescape(encodeURIComponent(state.credential.user + ':' + state.credential.password)));
  const response = await fetch(path, { method, headers, cache: 'no-store' });
  if (response.status === 401) {
    signOut('Your sign-in is no longer accepted. Please sign in again.');
    throw new ApiError(401, 'not signed in');
  }
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (!response.ok) {
    throw new ApiError(response.status, (body && body.error) || `the server answered ${response.status}`);
  }
  return body;
}

// ---------- sign in ----------

function showOnly(id) {
  for (const view of ['view-signin', 'view-search', 'view-attempt', 'view-dashboard']) $(view).hidden = view !== id;
  $('tab-search').classList.toggle('active', id === 'view-search' || id === 'view-attempt');
  $('tab-dashboard').classList.toggle('active', id === 'view-dashboard');
}

function signOut(message) {
  sessionStorage.removeItem(CREDENTIAL_KEY);
  state.credential = null;
  state.me = null;
  $('nav').hidden = true;
  $('who').hidden = true;
  $('signin-error').hidden = !message;
  $('signin-error').textContent = message || '';
  showOnly('view-signin');
}

async function signIn(credential) {
  state.credential = credential;
  try {
    state.me = await api('GET', '/api/me');
  } catch (e) {
    if (e.status !== 401) signOut('Could not reach the server: ' + e.message);
    else $('signin-error').textContent = 'Wrong user name, password or key.';
    return false;
  }
  sessionStorage.setItem(CREDENTIAL_KEY, JSON.stringify(credential));
  $('who-name').textContent = state.me.name;
  $('who-role').textContent = state.me.role === 'OPERATOR' ? 'operator' : 'read-only';
  $('nav').hidden = false;
  $('who').hidden = false;
  return true;
}

// ---------- search ----------

function searchParams() {
  const params = new URLSearchParams();
  const q = $('search-input').value.trim();
  if (q) params.set('q', q);
  if ($('search-status').value) params.set('status', $('search-status').value);
  if ($('search-from').value) params.set('from', $('search-from').value);
  if ($('search-to').value) params.set('to', $('search-to').value);
  return params;
}

async function runSearch(page) {
  state.page = page;
  const params = searchParams();
  params.set('page', String(page));
  $('search-error').hidden = true;
  let result;
  try {
    result = await api('GET', '/api/attempts?' + params.toString());
  } catch (e) {
    if (e.status === 401) return;
    $('search-error').textContent = e.message;
    $('search-error').hidden = false;
    return;
  }
  const body = $('results-table').tBodies[0];
  body.replaceChildren(...result.attempts.map((a) => el('tr', {
    class: 'result-row', tabindex: '0', 'data-attempt': a.attemptId,
    onclick: () => { location.hash = '#/attempt/' + encodeURIComponent(a.attemptId); },
    onkeydown: (e) => { if (e.key === 'Enter') location.hash = '#/attempt/' + encodeURIComponent(a.attemptId); },
  },
  el('td', { class: 'nowrap' }, eatShort(a.createdAt)),
  el('td', {}, a.orderId),
  el('td', { class: 'num' }, kes(a.amount)),
  el('td', {}, a.phoneNumberMasked || '—'),
  el('td', {}, badge(a.status)),
  el('td', {}, a.reason ? humanReason(a.reason) : ''),
  el('td', { class: 'mono' }, a.mpesaReceiptNumber || ''))));
  $('results').hidden = false;
  // lets a test (or a person's screen reader) tell a new answer from the previous one
  $('results-table').dataset.answers = String(Number($('results-table').dataset.answers || 0) + 1);
  $('results-empty').hidden = result.attempts.length > 0;
  $('page-prev').disabled = page === 0;
  $('page-next').disabled = !result.more;
  $('page-label').textContent = `Page ${page + 1}`;
}

function humanReason(reason) {
  return reason.toLowerCase().replace(/_/g, ' ');
}

// ---------- one attempt ----------

async function showAttempt(id) {
  showOnly('view-attempt');
  $('query-message').textContent = '';
  try {
    state.attempt = await api('GET', '/api/attempts/' + encodeURIComponent(id));
  } catch (e) {
    if (e.status === 401) return;
    $('attempt-status').replaceChildren();
    delete $('attempt-status').dataset.status;
    $('attempt-amount').textContent = e.status === 404 ? 'No such payment' : 'Could not load this payment';
    $('attempt-explain').textContent = e.message;
    $('attempt-facts').replaceChildren();
    $('timeline').replaceChildren();
    $('query-now').hidden = true;
    return;
  }
  renderAttempt();
}

function renderAttempt() {
  const a = state.attempt;
  const status = STATUS[a.status] || { label: a.status, css: 'wait' };
  $('attempt-status').className = 'badge ' + status.css;
  $('attempt-status').dataset.status = a.status;
  $('attempt-status').textContent = status.label;
  $('attempt-amount').textContent = kes(a.amount);
  $('attempt-order').textContent = 'Order ' + a.orderId;
  const explain = (STATUS[a.status] || {}).explain || '';
  $('attempt-explain').textContent = explain + (a.corrected ? ' A later result from M-Pesa corrected an earlier one.' : '');
  const shown = state.revealed && state.revealed.attemptId === a.attemptId;
  const reveal = el('button', { type: 'button', class: 'link', id: 'reveal-phone',
    title: 'Recorded in this payment\u2019s history, with your name',
    onclick: () => { if (shown) { state.revealed = null; renderAttempt(); } else revealPhone(); } },
  shown ? 'Hide' : 'Show full number');
  const mayReveal = state.me && state.me.mayReveal && a.phoneNumberMasked;
  const facts = [
    ['Phone', el('span', {}, el('span', { id: 'attempt-phone', class: 'mono' }, phoneText(a)), ' ', mayReveal ? reveal : null)],
    ['M-Pesa receipt', el('span', { id: 'attempt-receipt', class: 'mono' }, a.mpesaReceiptNumber
      || (a.status === 'SUCCEEDED' ? 'Not received: paid per STK Query, and no callback has brought the receipt yet' : '—'))],
    ['Why', a.reason ? humanReason(a.reason) : '—'],
    ['M-Pesa result', a.resultCode === null ? '—' : `${a.resultCode} · ${a.resultDesc || ''}`],
    ['Result from', a.source ? a.source.toLowerCase() : '—'],
    ['Merchant', a.merchant || '—'],
    ['Account reference', a.accountReference || '—'],
    ['Created', eat(a.createdAt)],
    ['Last change', eat(a.updatedAt)],
    ['Next automatic check', a.nextQueryAt ? eat(a.nextQueryAt) : '—'],
    ['CheckoutRequestID', el('span', { class: 'mono' }, a.checkoutRequestId || '—')],
    ['Daraja requestId', el('span', { class: 'mono' }, a.darajaRequestId || '—')],
    ['Intent id', el('span', { class: 'mono' }, a.intentId)],
  ];
  $('attempt-facts').replaceChildren(...facts.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]));
  const mayQuery = state.me && state.me.mayQuery && a.checkoutRequestId;
  $('query-now').hidden = !mayQuery;
  $('timeline').replaceChildren(...a.timeline.map((entry) => el('li', { class: 'timeline-entry kind-' + entry.kind.toLowerCase(), 'data-kind': entry.kind },
    el('div', { class: 'when' }, eat(entry.at)),
    el('div', { class: 'what' }, entry.title),
    entry.detail === null || entry.detail === undefined ? null
      : el('details', {}, el('summary', {}, 'Details as recorded'),
        el('pre', {}, typeof entry.detail === 'string' ? entry.detail : JSON.stringify(entry.detail, null, 2))))));
}

async function queryNow() {
  const button = $('query-now');
  button.disabled = true;
  $('query-message').textContent = 'Asking M-Pesa…';
  const before = state.attempt.status;
  try {
    state.attempt = await api('POST', '/api/attempts/' + encodeURIComponent(state.attempt.attemptId) + '/query');
    renderAttempt();
    const now = (STATUS[state.attempt.status] || { label: state.attempt.status }).label;
    $('query-message').textContent = state.attempt.status === before
      ? `M-Pesa answered; the payment is still: ${now}.` : `M-Pesa answered; the payment is now: ${now}.`;
  } catch (e) {
    if (e.status !== 401) $('query-message').textContent = 'Could not ask M-Pesa: ' + e.message;
  } finally {
    button.disabled = false;
  }
}

// ---------- dashboard ----------

async function showDashboard() {
  showOnly('view-dashboard');
  const hours = Number($('dash-range').value);
  const to = new Date();
  const from = new Date(to.getTime() - hours * 3600 * 1000);
  let summary;
  try {
    summary = await api('GET', `/api/summary?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`);
  } catch (e) {
    if (e.status !== 401) $('dash-cards').replaceChildren(el('p', { class: 'error' }, e.message));
    return;
  }
  const waiting = (summary.byStatus.ACCEPTED || 0) + (summary.byStatus.PENDING_PUSH || 0) + (summary.byStatus.DEFERRED || 0);
  const cards = [
    ['All payments', summary.total, ''],
    ['Paid', summary.byStatus.SUCCEEDED, 'ok'],
    ['Not paid', summary.byStatus.FAILED, 'bad'],
    ['Unknown', summary.byStatus.UNKNOWN, 'warn'],
    ['Waiting', waiting, 'wait'],
    ['Rejected', summary.byStatus.REJECTED, 'off'],
  ];
  $('dash-cards').replaceChildren(...cards.map(([label, count, css]) =>
    el('div', { class: 'stat ' + css }, el('div', { class: 'count' }, String(count || 0)), el('div', {}, label))));
  $('dash-reasons').tBodies[0].replaceChildren(...summary.byReason.map((row) =>
    el('tr', {}, el('td', {}, badge(row.status)), el('td', {}, row.reason ? humanReason(row.reason) : '—'),
      el('td', { class: 'num' }, String(row.count)))));
  const w = summary.waitingBeyondSweep;
  $('dash-waiting-text').textContent = w.count === 0
    ? 'No payment is waiting longer than expected.'
    : `${w.count} payment(s) still waiting more than ${duration(w.olderThanSeconds)} after they were sent. They are checked with M-Pesa automatically.`;
  // what the sweeper still has to ask M-Pesa about, and how long that takes at the configured rate (all instances)
  const backlog = summary.queryBacklog;
  const backlogText = backlog.attempts === 0
    ? 'No payment is due for a status check with M-Pesa.'
    : `${backlog.attempts} payment(s) due for a status check with M-Pesa: about ${duration(backlog.drainSeconds)} to check them all at the configured rate.`;
  $('dash-backlog').textContent = backlogText;
  $('dash-backlog').dataset.attempts = String(backlog.attempts);
  $('dash-backlog').dataset.drainSeconds = String(backlog.drainSeconds);
  $('dash-waiting').tBodies[0].replaceChildren(...w.oldest.map((row) =>
    el('tr', { class: 'result-row', onclick: () => { location.hash = '#/attempt/' + encodeURIComponent(row.attemptId); } },
      el('td', {}, row.orderId), el('td', {}, badge(row.status)), el('td', {}, duration(row.ageSeconds)))));
  drawChart(summary, hours);
}

// Stacked bars of final outcomes per hour (per EAT day beyond two days); plain SVG, no library.
function drawChart(summary, hours) {
  const byDay = hours > 48;
  const buckets = new Map();
  for (const point of summary.outcomesByHour) {
    const key = byDay ? point.hour.substring(0, 10) : point.hour.substring(0, 13);
    const bucket = buckets.get(key) || {};
    for (const status of CHART_STATUSES) bucket[status] = (bucket[status] || 0) + (point[status] || 0);
    buckets.set(key, bucket);
  }
  // every hour (or day) of the period gets its slot, so the bars sit where they happened
  const eatKey = (date) => new Date(date.getTime() + 3 * 3600 * 1000).toISOString().substring(0, byDay ? 10 : 13);
  const step = (byDay ? 24 : 1) * 3600 * 1000;
  for (let t = new Date(summary.from).getTime(); t <= new Date(summary.to).getTime(); t += step) {
    if (!buckets.has(eatKey(new Date(t)))) buckets.set(eatKey(new Date(t)), Object.fromEntries(CHART_STATUSES.map((st) => [st, 0])));
  }
  const keys = [...buckets.keys()].sort();
  const svgNs = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNs, 'svg');
  const width = 720, height = 220, left = 40, bottom = 30, top = 10;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Outcomes over time');
  const add = (tag, attrs, text) => {
    const node = document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    svg.append(node);
    return node;
  };
  if (summary.outcomesByHour.length === 0) {
    add('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'axis' }, 'No finished payments in this period');
  } else {
    const max = Math.max(1, ...keys.map((k) => CHART_STATUSES.reduce((sum, s) => sum + buckets.get(k)[s], 0)));
    const slot = (width - left - 10) / keys.length;
    const barWidth = Math.max(2, Math.min(40, slot * 0.7));
    const scale = (height - top - bottom) / max;
    add('line', { x1: left, y1: height - bottom, x2: width - 10, y2: height - bottom, class: 'axis-line' });
    add('text', { x: left - 6, y: top + 10, 'text-anchor': 'end', class: 'axis' }, String(max));
    add('text', { x: left - 6, y: height - bottom, 'text-anchor': 'end', class: 'axis' }, '0');
    keys.forEach((key, i) => {
      const x = left + i * slot + (slot - barWidth) / 2;
      let y = height - bottom;
      for (const status of CHART_STATUSES) {
        const count = buckets.get(key)[status];
        if (!count) continue;
        const h = count * scale;
        y -= h;
        add('rect', { x, y, width: barWidth, height: h, class: 'bar ' + STATUS[status].css, 'data-status': status })
          .append(Object.assign(document.createElementNS(svgNs, 'title'), { textContent: `${key}: ${count} ${STATUS[status].label}` }));
      }
      const every = Math.ceil(keys.length / 12);
      if (i % every === 0) {
        const label = byDay ? `${Number(key.substring(8, 10))} ${MONTHS[Number(key.substring(5, 7)) - 1]}` : key.substring(11, 13) + ':00';
        add('text', { x: x + barWidth / 2, y: height - bottom + 16, 'text-anchor': 'middle', class: 'axis' }, label);
      }
    });
  }
  $('chart').replaceChildren(svg);
  $('chart-legend').replaceChildren(...CHART_STATUSES.map((s) =>
    el('span', { class: 'legend-item' }, el('span', { class: 'swatch ' + STATUS[s].css }), STATUS[s].label)),
  el('span', { class: 'hint' }, byDay ? ' per day (EAT)' : ' per hour (EAT)'));
}

// ---------- routing ----------

async function route() {
  if (!state.credential) {
    showOnly('view-signin');
    return;
  }
  const hash = location.hash || '#/search';
  if (hash.startsWith('#/attempt/')) {
    await showAttempt(decodeURIComponent(hash.substring('#/attempt/'.length)));
  } else if (hash === '#/dashboard') {
    await showDashboard();
  } else {
    showOnly('view-search');
    $('search-input').focus();
  }
}

document.addEventListener('DOMContentLoaded', async () => {
  $('signin-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('signin-error').hidden = true;
    const usingKey = !$('signin-key-fields').hidden;
    const credential = usingKey ? { key: $('signin-key').value }
      : { user: $('signin-user').value.trim(), password: $('signin-password').value };
    if (await signIn(credential)) {
      $('signin-password').value = '';
      $('signin-key').value = '';
      await route();
    } else {
      $('signin-error').hidden = false;
    }
  });
  $('signin-use-key').addEventListener('click', () => {
    const usingKey = $('signin-key-fields').hidden;
    $('signin-key-fields').hidden = !usingKey;
    $('signin-user-fields').hidden = usingKey;
    $('signin-user').required = !usingKey;
    $('signin-password').required = !usingKey;
    $('signin-key').required = usingKey;
    $('signin-use-key').textContent = usingKey ? 'Use a user name and password instead' : 'Use an API key instead';
  });
  $('sign-out').addEventListener('click', () => signOut());
  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    if (location.hash !== '#/search') location.hash = '#/search';
    runSearch(0);
  });
  $('page-prev').addEventListener('click', () => runSearch(Math.max(0, state.page - 1)));
  $('page-next').addEventListener('click', () => runSearch(state.page + 1));
  $('query-now').addEventListener('click', queryNow);
  $('dash-range').addEventListener('change', showDashboard);
  window.addEventListener('hashchange', () => { state.revealed = null; route(); });

  const saved = sessionStorage.getItem(CREDENTIAL_KEY);
  if (saved && await signIn(JSON.parse(saved))) {
    await route();
  } else {
    showOnly('view-signin');
  }
});
