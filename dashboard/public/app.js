// The dashboard page: fetches the shop's numbers with its API key (kept in this tab's sessionStorage,
// passed once as #key=… or typed in) and draws them with Chart.js. Everything is computed server-side.
'use strict';

const KEY = 'nextbest.apiKey';
const main = document.getElementById('main');
const charts = [];
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;

const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const pct = (v, digits = 2) => (v === null || v === undefined ? 'n/a' : `${(v * 100).toFixed(digits)} %`);
const money = (minor, currency) => (minor === null || minor === undefined ? 'n/a' : `${(minor / 100).toFixed(2)} ${currency}`);
const when = (iso) => (iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 16) : '');

async function api(path) {
  const response = await fetch(path, { headers: { authorization: `Bearer ${sessionStorage.getItem(KEY)}` } });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401 || response.status === 403) {
    sessionStorage.removeItem(KEY);
    throw Object.assign(new Error(body.message || 'the key was refused'), { auth: true });
  }
  if (!response.ok) throw new Error(body.message || `${path} answered ${response.status}`);
  return body;
}

function chart(canvasId, config) {
  const canvas = document.getElementById(canvasId);
  charts.push(new Chart(canvas, config));
}

function ready(page) {
  document.body.dataset.ready = page;
}

// ---------- Overview ----------
const TILES = [
  ['sends', 'Sends', (t) => t.sends],
  ['deliveryRate', 'Delivery', (t) => pct(t.deliveryRate)],
  ['openRate', 'Open rate', (t) => pct(t.openRate), 'openRate'],
  ['clickThroughRate', 'Click-through', (t) => pct(t.clickThroughRate), 'clickThroughRate'],
  ['conversionOfRecipients', 'Conversion of recipients', (t) => pct(t.conversionOfRecipients)],
  ['conversionOfTraffic', 'Conversion of traffic', (t) => pct(t.conversionOfTraffic), 'conversionOfTraffic'],
  ['revenuePerRecipientMinor', 'Revenue per recipient', (t, o) => money(t.revenuePerRecipientMinor, o.currency)],
  ['discountPerRecoveredCartMinor', 'Discount per recovered cart', (t, o) => money(t.discountPerRecoveredCartMinor, o.currency)],
];

async function overviewPage() {
  const o = await api('/v1/dashboard/overview');
  const t = o.totals;
  const tiles = TILES.map(([key, label, show, target]) => {
    const value = t[key];
    const goal = target ? o.targets[target] : null;
    const status = goal === null || value === null ? '' : value >= goal ? 'met' : 'below';
    return `<div class="tile"><div class="label">${esc(label)}</div>
      <div class="value" data-metric="${key}" data-value="${value ?? ''}">${esc(show(t, o))}</div>
      ${goal === null ? '<div class="target muted">no target</div>' : `<div class="target ${status}" data-target="${key}">target &gt; ${pct(goal, 1)} · ${status || 'no data'}</div>`}</div>`;
  });
  main.innerHTML = `<h2>Overview <span class="muted">${esc(o.from.slice(0, 10))} – ${esc(o.to.slice(0, 10))} · ${esc(o.timezone)}
      · ${o.excludeMachineOpens ? 'machine opens excluded' : 'machine opens counted'}</span></h2>
    <div class="tiles">${tiles.join('')}</div>
    <div class="charts">
      <div class="chart"><canvas id="c-sends"></canvas></div>
      <div class="chart"><canvas id="c-open"></canvas></div>
      <div class="chart"><canvas id="c-click"></canvas></div>
      <div class="chart"><canvas id="c-conv"></canvas></div>
      <div class="chart"><canvas id="c-rev"></canvas></div>
    </div>`;
  const days = o.trend.map((d) => d.day);
  const series = (label, key, color) => ({ label, data: o.trend.map((d) => (d[key] === null ? null : d[key] * 100)), borderColor: color, spanGaps: true });
  const target = (goal) => ({ label: 'target', data: days.map(() => goal * 100), borderColor: '#cf222e', borderDash: [6, 4], pointRadius: 0 });
  const percentChart = (id, title, datasets) =>
    chart(id, { type: 'line', data: { labels: days, datasets }, options: { plugins: { title: { display: true, text: title } }, scales: { y: { beginAtZero: true, ticks: { callback: (v) => `${v} %` } } } } });
  chart('c-sends', { type: 'bar', data: { labels: days, datasets: [{ label: 'sends', data: o.trend.map((d) => d.sends), backgroundColor: '#6ea8fe' }, { label: 'delivered', data: o.trend.map((d) => d.delivered), backgroundColor: '#1d2330' }] },
    options: { plugins: { title: { display: true, text: 'Sends and delivery per day' } } } });
  percentChart('c-open', 'Open rate', [series('open rate', 'openRate', '#0969da'), target(o.targets.openRate)]);
  percentChart('c-click', 'Click-through', [series('click-through', 'clickThroughRate', '#8250df'), target(o.targets.clickThroughRate)]);
  percentChart('c-conv', 'Conversion', [series('of traffic', 'conversionOfTraffic', '#1a7f37'), series('of recipients', 'conversionOfRecipients', '#bf8700'), target(o.targets.conversionOfTraffic)]);
  chart('c-rev', { type: 'line', data: { labels: days, datasets: [{ label: `revenue per recipient (${o.currency})`, data: o.trend.map((d) => (d.revenuePerRecipientMinor ?? 0) / 100), borderColor: '#1a7f37' },
    { label: `discount per recovered cart (${o.currency})`, data: o.trend.map((d) => (d.discountPerRecoveredCartMinor === null ? null : d.discountPerRecoveredCartMinor / 100)), borderColor: '#cf222e', spanGaps: true }] },
    options: { plugins: { title: { display: true, text: 'Money' } } } });
  ready('overview');
}

// ---------- Journeys ----------
const STAGES = ['triggered', 'decided', 'sent', 'opened', 'clicked', 'converted'];
async function journeysPage() {
  const { journeys } = await api('/v1/dashboard/journeys');
  const rows = journeys.map((j) => `<tr data-journey="${esc(j.journey)}"><td>${esc(j.journey)}</td>${STAGES.map((s) => `<td data-stage="${s}">${j[s]}</td>`).join('')}
    <td>${j.convertedBeforeSend}</td><td class="text">${j.skipReasons.map((r) => `<span data-skip="${esc(r.reason)}">${esc(r.reason)}: ${r.count}</span>`).join(', ')}</td></tr>`);
  main.innerHTML = `<h2>Journeys <span class="muted">started in the last 30 days</span></h2>
    <table><thead><tr><th>journey</th>${STAGES.map((s) => `<th>${s}</th>`).join('')}<th>converted before send</th><th>skip reasons</th></tr></thead>
    <tbody>${rows.join('') || '<tr><td colspan="9">no journeys in this period</td></tr>'}</tbody></table>
    <div class="charts">${journeys.map((j, i) => `<div class="chart"><canvas id="f-${i}"></canvas></div>`).join('')}</div>`;
  journeys.forEach((j, i) => chart(`f-${i}`, { type: 'bar', data: { labels: STAGES, datasets: [{ label: j.journey, data: STAGES.map((s) => j[s]), backgroundColor: '#6ea8fe' }] },
    options: { indexAxis: 'y', plugins: { title: { display: true, text: `${j.journey} funnel` } } } }));
  ready('journeys');
}

// ---------- Experiments ----------
const rate = (p) => `${pct(p.trials ? p.successes / p.trials : null, 1)} <span class="muted">[${pct(p.interval[0], 1)}, ${pct(p.interval[1], 1)}]</span>`;
const COLORS = ['#0969da', '#bf8700', '#8250df', '#1a7f37', '#cf222e', '#57606a'];
async function experimentsPage() {
  const { experiments } = await api('/v1/dashboard/experiments');
  main.innerHTML = `<h2>Experiments</h2>${experiments.length ? '' : '<p>No experiments yet. Create one with <code>npm run experiments -- create</code> or POST /v1/experiments.</p>'}` +
    experiments.map((r, i) => {
      const e = r.experiment;
      const arms = r.arms.map((a) => `<tr data-arm="${esc(a.variant)}"><td>${esc(a.variant)}</td><td data-col="exposed">${a.exposed}</td><td data-col="sent">${a.sent}</td>
        <td data-col="open">${a.open ? rate(a.open) : '—'}</td><td data-col="click">${a.click ? rate(a.click) : '—'}</td>
        <td data-col="converted">${a.converted}</td><td data-col="conversion">${rate(a.conversion)}</td>
        <td data-col="pbest">${a.probabilityBest === null ? '—' : pct(a.probabilityBest, 1)}</td><td>${a.expectedLoss === null ? '—' : pct(a.expectedLoss, 3)}</td>
        <td data-col="lift">${a.lift ? `${pct(a.lift.absolute)} <span class="muted">[${pct(a.lift.interval[0])}, ${pct(a.lift.interval[1])}] p=${a.lift.pValue.toPrecision(2)}</span>` : '—'}</td>
        <td>${a.attributedOrders}</td></tr>`);
      return `<section class="experiment" data-experiment="${esc(e.name)}"><h3>${esc(e.name)} <span class="muted">${esc(e.status)} · ${e.journeys.length ? esc(e.journeys.join(', ')) : 'all journeys'} · holdout ${pct(e.holdoutShare, 0)}</span></h3>
        <table><thead><tr><th>arm</th><th>exposed</th><th>sent</th><th>open [95 %]</th><th>click [95 %]</th><th>converted</th><th>conversion [95 %]</th><th>P(best)</th><th>expected loss</th><th>lift over holdout [always-valid 95 %]</th><th>attributed orders</th></tr></thead>
        <tbody>${arms.join('')}</tbody></table>
        <p data-advice="${r.advice.stop ? 'stop' : 'continue'}"><strong>${r.advice.stop ? 'Stop' : 'Keep running'}:</strong> ${esc(r.advice.reason)}</p>
        <div class="charts"><div class="chart"><canvas id="d-${i}"></canvas></div><div class="chart"><canvas id="l-${i}"></canvas></div></div></section>`;
    }).join('');
  experiments.forEach((r, i) => {
    chart(`d-${i}`, { type: 'line', data: { datasets: r.arms.map((a, k) => ({ label: a.variant, data: a.density.x.map((x, j) => ({ x: x * 100, y: a.density.y[j] })), borderColor: COLORS[k % COLORS.length], pointRadius: 0 })) },
      options: { parsing: false, plugins: { title: { display: true, text: 'Posterior of the conversion rate' } }, scales: { x: { type: 'linear', ticks: { callback: (v) => `${v} %` } }, y: { display: false } } } });
    const lifted = r.arms.filter((a) => a.lift);
    chart(`l-${i}`, { type: 'bar', data: { labels: lifted.map((a) => a.variant), datasets: [{ label: 'lift over holdout (interval, pp)', data: lifted.map((a) => [a.lift.interval[0] * 100, a.lift.interval[1] * 100]), backgroundColor: '#6ea8fe' }] },
      options: { plugins: { title: { display: true, text: lifted.length ? 'Incremental lift over the holdout' : 'No holdout in this experiment' } } } });
  });
  ready('experiments');
}

// ---------- Customers ----------
async function customersPage(params) {
  const id = params.get('id');
  if (id) return customerPage(id);
  const offset = Number(params.get('offset') || 0);
  const q = params.get('q') || '';
  const { customers } = await api(`/v1/dashboard/customers?limit=50&offset=${offset}${q ? `&q=${encodeURIComponent(q)}` : ''}`);
  main.innerHTML = `<h2>Customers</h2>
    <form id="find"><input name="q" value="${esc(q)}" placeholder="customer key (cus_…)"> <button>Find</button></form>
    <table><thead><tr><th>customer</th><th>stage</th><th>journeys</th><th>last journey</th></tr></thead>
    <tbody>${customers.map((c) => `<tr><td><a href="#customers?id=${encodeURIComponent(c.id)}">${esc(c.id)}</a></td><td>${esc(c.stage)}</td><td>${c.journeys}</td><td>${when(c.lastJourneyAt)}</td></tr>`).join('')}</tbody></table>
    <div class="pager">${offset > 0 ? `<a href="#customers?offset=${Math.max(0, offset - 50)}&q=${encodeURIComponent(q)}">previous</a> ` : ''}${customers.length === 50 ? `<a href="#customers?offset=${offset + 50}&q=${encodeURIComponent(q)}">next</a>` : ''}</div>`;
  document.getElementById('find').addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `customers?q=${encodeURIComponent(new FormData(event.target).get('q'))}`;
  });
  ready('customers');
}

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
async function customerPage(id) {
  const c = await api(`/v1/dashboard/customers/${encodeURIComponent(id)}`);
  const max = Math.max(1, ...c.heatmap.flat());
  const heat = c.heatmap.map((row, d) => `<tr><th>${DAYS[d]}</th>${row.map((n, h) => `<td title="${DAYS[d]} ${h}:00 — ${n}" style="background: rgba(9,105,218,${n / max})"></td>`).join('')}</tr>`).join('');
  main.innerHTML = `<h2>Customer <span data-customer="${esc(c.id)}">${esc(c.id)}</span></h2>
    <p>Stage <strong data-stage="${esc(c.stage)}">${esc(c.stage)}</strong> · time zone ${esc(c.timezone)} · first seen ${when(c.firstSeenAt)}</p>
    <div class="charts"><div class="chart"><canvas id="ch"></canvas></div>
    <div><h3>Activity by local hour of the week</h3><table class="heat"><thead><tr><th></th>${Array.from({ length: 24 }, (_, h) => `<th class="muted">${h % 6 === 0 ? h : ''}</th>`).join('')}</tr></thead><tbody>${heat}</tbody></table></div></div>
    <h3>Channels</h3><table><thead><tr><th>channel</th><th>sent</th><th>engaged</th><th>observed engagement [95 %]</th><th>model posterior [95 %]</th></tr></thead>
    <tbody>${c.channels.map((ch) => `<tr data-channel="${esc(ch.channel)}"><td>${esc(ch.channel)}</td><td data-col="sent">${ch.sent}</td><td data-col="engaged">${ch.engaged}</td>
      <td>${pct(ch.mean, 1)} [${pct(ch.interval[0], 1)}, ${pct(ch.interval[1], 1)}]</td>
      <td data-col="model">${ch.model ? `${pct(ch.model.mean, 1)} [${pct(ch.model.interval[0], 1)}, ${pct(ch.model.interval[1], 1)}]` : '—'}</td></tr>`).join('')}</tbody></table>
    <h3>Recommendations</h3><ul>${c.recommendations.map((r) => `<li data-product="${esc(r.productId)}">${esc(r.title ?? r.productId)} <span class="muted">${esc(r.journey)} · ${when(r.decidedAt)}</span></li>`).join('') || '<li class="muted">none yet</li>'}</ul>
    <h3>Messages and outcomes</h3><table><thead><tr><th>when</th><th>what</th><th>journey</th><th>step</th><th>channel</th><th>detail</th></tr></thead>
    <tbody>${c.history.map((h) => `<tr data-history="${esc(h.kind)}"><td>${when(h.at)}</td><td class="text">${esc(h.kind)}</td><td class="text">${esc(h.journey)}</td><td>${h.step}</td><td class="text">${esc(h.channel ?? '')}</td><td class="text">${esc(h.detail ?? '')}</td></tr>`).join('')}</tbody></table>
    <h3>Journeys</h3><table><thead><tr><th>journey</th><th>status</th><th>started</th><th>outcome</th><th>Temporal UI</th></tr></thead>
    <tbody>${c.journeys.map((j) => `<tr><td>${esc(j.journey)}</td><td>${esc(j.status)}</td><td>${when(j.startedAt)}</td><td class="text">${esc(j.outcome ?? '')}</td>
      <td><a data-workflow="${esc(j.workflowId)}" href="${esc(c.temporalUi + encodeURIComponent(j.workflowId))}" target="_blank" rel="noopener">open</a></td></tr>`).join('')}</tbody></table>`;
  const belief = (ch) => ch.model ?? ch;
  chart('ch', { type: 'bar', data: { labels: c.channels.map((ch) => ch.channel), datasets: [
    { label: '95 % interval', data: c.channels.map((ch) => [belief(ch).interval[0] * 100, belief(ch).interval[1] * 100]), backgroundColor: '#6ea8fe88' },
    { type: 'line', label: 'posterior mean', data: c.channels.map((ch) => belief(ch).mean * 100), borderColor: '#0969da', showLine: false, pointRadius: 6 }] },
    options: { plugins: { title: { display: true, text: 'Channel posteriors of the decision model (%)' } } } });
  ready('customer');
}

// ---------- Outbox ----------
async function outboxPage(params) {
  const offset = Number(params.get('offset') || 0);
  const { messages } = await api(`/v1/dashboard/outbox?limit=50&offset=${offset}`);
  main.innerHTML = `<h2>Outbox <span class="muted">messages written by the dev outbox</span></h2>
    <table><thead><tr><th>sent</th><th>customer</th><th>journey</th><th>channel</th><th>content</th><th>variant</th><th>discount</th><th></th></tr></thead>
    <tbody>${messages.map((m) => `<tr data-dispatch="${esc(m.id)}"><td>${when(m.sentAt)}</td><td class="text"><a href="#customers?id=${encodeURIComponent(m.customerId)}">${esc(m.customerId)}</a></td>
      <td class="text">${esc(m.workflowId.split(':')[0])}</td><td class="text">${esc(m.channel)}</td><td class="text">${esc(m.contentType)}</td><td class="text">${esc(m.variant ?? '')}</td><td>${m.discountTier} %</td>
      <td><button type="button" data-show="${esc(m.id)}">show</button></td></tr>`).join('') || '<tr><td colspan="8">the outbox is empty</td></tr>'}</tbody></table>
    <div class="pager">${offset > 0 ? `<a href="#outbox?offset=${Math.max(0, offset - 50)}">previous</a> ` : ''}${messages.length === 50 ? `<a href="#outbox?offset=${offset + 50}">next</a>` : ''}</div>
    <iframe id="message" sandbox title="rendered message"></iframe>`;
  const show = async (id) => {
    const m = await api(`/v1/dashboard/outbox/${encodeURIComponent(id)}`);
    document.getElementById('message').srcdoc = m.html ?? `<pre>${esc(m.text)}</pre>`;
  };
  main.querySelectorAll('button[data-show]').forEach((b) => b.addEventListener('click', () => show(b.dataset.show)));
  if (messages[0]) await show(messages[0].id);
  ready('outbox');
}

// ---------- Routing ----------
const PAGES = { overview: overviewPage, journeys: journeysPage, experiments: experimentsPage, customers: customersPage, outbox: outboxPage };

async function route() {
  const [name, query] = location.hash.slice(1).split('?');
  const page = PAGES[name] ? name : 'overview';
  document.querySelectorAll('header nav a').forEach((a) => a.classList.toggle('active', a.getAttribute('href') === `#${page}`));
  while (charts.length) charts.pop().destroy();
  delete document.body.dataset.ready;
  main.innerHTML = '<p class="muted">loading…</p>';
  try {
    await PAGES[page](new URLSearchParams(query || ''));
  } catch (error) {
    if (error.auth) return showLogin(error.message);
    main.innerHTML = `<p class="error">${esc(error.message)}</p>`;
    ready('error');
  }
}

function showLogin(message = '') {
  document.getElementById('login').hidden = false;
  document.getElementById('login-error').textContent = message;
  main.innerHTML = '';
  ready('login');
}

function start() {
  const fromHash = /(?:^#|&)key=([^&]+)/.exec(location.hash);
  if (fromHash) {
    sessionStorage.setItem(KEY, decodeURIComponent(fromHash[1]));
    history.replaceState(null, '', `${location.pathname}#overview`);
  }
  document.getElementById('login').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, document.getElementById('key').value.trim());
    document.getElementById('login').hidden = true;
    route();
  });
  document.getElementById('signout').addEventListener('click', () => {
    sessionStorage.removeItem(KEY);
    showLogin();
  });
  window.addEventListener('hashchange', route);
  if (!sessionStorage.getItem(KEY)) return showLogin();
  route();
}

start();
