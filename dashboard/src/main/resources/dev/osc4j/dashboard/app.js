// osc4j dashboard: polls the fleet every second, shows one migration's shards and audit trail, sends directives.
'use strict';
const state = { session: null, selected: null, pending: new Set() };

function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}
function duration(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  seconds = Math.max(0, Math.round(seconds));
  if (seconds < 60) return seconds + 's';
  if (seconds < 3600) return Math.floor(seconds / 60) + 'm' + String(seconds % 60).padStart(2, '0') + 's';
  return Math.floor(seconds / 3600) + 'h' + String(Math.floor(seconds % 3600 / 60)).padStart(2, '0') + 'm';
}
function bar(percent, done) {
  return `<span class="bar${done ? ' done' : ''}"><span style="width:${Math.min(100, Math.max(0, percent))}%"></span></span>`
    + `<span class="percent">${percent.toFixed(1)}%</span>`;
}
function seconds(iso) { // an ISO-8601 duration as Java writes it: PT1H2M3.5S
  const m = iso ? /^PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?$/.exec(iso) : null;
  return m ? (Number(m[1] || 0) * 3600 + Number(m[2] || 0) * 60 + Number(m[3] || 0)) : null;
}

function link(id) {
  return `<a href="#" class="link" data-id="${esc(id)}">${esc(id)}</a>`;
}
// What a migration says about reverts: until when it can be reverted, the revert that reverts it, what a revert reverts.
function revertNotes(m) {
  const notes = [];
  if (m.revertClosing) notes.push('revert window closing');
  else if (m.revertibleUntil) {
    notes.push(`revertible until <time datetime="${esc(m.revertibleUntil)}" title="${esc(m.revertibleUntil)}">`
      + `${esc(new Date(m.revertibleUntil).toLocaleString())}</time> (${duration(m.revertSecondsLeft)} left)`);
  }
  if (m.revertedBy) notes.push('reverted by ' + link(m.revertedBy));
  if (m.reverts) notes.push('reverts ' + link(m.reverts));
  return notes.join('; ');
}
function followLinks(root) {
  root.querySelectorAll('a.link').forEach(a => a.addEventListener('click', e => {
    e.preventDefault();
    e.stopPropagation();
    select(a.dataset.id);
  }));
}

async function load() {
  const session = await fetch('api/session').then(r => r.json());
  state.session = session;
  document.getElementById('session').textContent = session.readOnly
    ? session.why : 'signed in as ' + session.actor;
  await refresh();
  setInterval(refresh, 1000);
}

async function refresh() {
  let fleet;
  try {
    fleet = await fetch('api/fleet').then(r => r.json());
  } catch (e) {
    document.getElementById('updated').textContent = 'cannot reach the server';
    return;
  }
  document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  const rows = fleet.migrations.map(m => {
    const r = m.record;
    const owner = r.owner && !r.owner.releasedAt ? esc(r.owner.controllerId) : '–';
    const minis = r.shards.map(s => `<span class="mini" title="${esc(s.shard)} ${esc(s.state)}"><span style="height:${s.progress.percent}%"></span></span>`).join('');
    const age = m.ageMillis === null ? '–' : (m.ageMillis / 1000).toFixed(1) + 's old';
    return `<tr class="migration${state.selected === m.id ? ' selected' : ''}" data-id="${esc(m.id)}">`
      + `<td class="id">${esc(m.id)}</td><td>${esc(r.spec.keyspace)}.${esc(r.spec.table)}</td>`
      + `<td><span class="state state-${esc(r.state)}">${esc(r.state)}${r.controls.paused ? ' (paused)' : ''}</span>`
      + `<div class="revert-note">${revertNotes(m)}</div></td>`
      + `<td class="progress">${bar(m.percent, ['COMPLETED', 'REVERTIBLE', 'BAKING', 'ALERTED'].includes(r.state))}</td>`
      + `<td>${['COMPLETED', 'ABORTED', 'REVERTIBLE', 'REVERTED', 'BAKING', 'ALERTED'].includes(r.state) ? '–' : duration(m.etaSeconds)}</td>`
      + `<td>${minis}</td><td>${owner}</td><td class="age">${age}</td></tr>`;
  });
  const body = document.querySelector('#fleet tbody');
  body.innerHTML = rows.join('') || '<tr><td colspan="8">no migrations</td></tr>';
  body.querySelectorAll('tr.migration').forEach(tr => tr.addEventListener('click', () => select(tr.dataset.id)));
  followLinks(body);
  if (state.selected) {
    const m = fleet.migrations.find(x => x.id === state.selected);
    if (m) await detail(m);
  }
}

async function select(id) {
  state.selected = id;
  const m = await fetch('api/migrations/' + encodeURIComponent(id)).then(r => r.json());
  await detail(m);
}

async function detail(m) {
  const r = m.record;
  document.getElementById('detail').hidden = false;
  document.getElementById('detail-title').textContent = `${m.id}: ${r.spec.ddl} on ${r.spec.keyspace} (${r.state})`;
  const info = document.getElementById('revert-info');
  info.innerHTML = revertNotes(m);
  followLinks(info);
  document.querySelector('#shards tbody').innerHTML = r.shards.map(s => {
    const p = s.progress;
    const lag = p.replicaLag === null || p.replicaLag === undefined ? '–' : duration(seconds(p.replicaLag));
    const throttle = p.throttled ? `<span class="throttled">throttled: ${esc(p.throttleReason)} (ratio ${s.appliedThrottleRatio})</span>`
      : (s.appliedThrottleRatio > 0 ? `ratio ${s.appliedThrottleRatio}` : '–');
    return `<tr class="shard"><td>${esc(s.shard)}</td><td class="state state-${esc(s.state)}">${esc(s.state)}</td>`
      + `<td>${bar(p.percent, ['COMPLETED', 'REVERTIBLE', 'BAKING', 'ALERTED'].includes(s.state))}</td><td>${p.rowsCopied.toLocaleString()} / ${Math.max(0, p.rowsTotal).toLocaleString()}</td>`
      + `<td>${lag}</td><td>${throttle}</td><td>${esc(s.waitReason ?? (s.failure ? 'failed: ' + s.failure.message : ''))}</td></tr>`;
  }).join('');
  renderActions(m.id);
  document.querySelectorAll('#actions button[data-only]').forEach(b => { b.hidden = b.dataset.only !== r.state; });
  const trail = await fetch('api/migrations/' + encodeURIComponent(m.id) + '/audit').then(x => x.json());
  const chain = await fetch('api/migrations/' + encodeURIComponent(m.id) + '/verify').then(x => x.json());
  document.getElementById('chain').textContent = chain.intact
    ? `hash chain intact: ${chain.entries} entries, head ${chain.head ?? '(none yet)'}`
    : 'hash chain BROKEN: ' + chain.problems.join('; ');
  document.querySelector('#audit tbody').innerHTML = trail.map(e =>
    `<tr class="audit-${esc(e.kind)}"><td>${e.seq}</td><td>${esc(e.at)}</td><td>${esc(e.actor)}</td><td>${esc(e.kind)}</td>`
    + `<td>${esc(e.shard ?? '')}</td><td>${e.from || e.to ? esc(e.from ?? '') + ' → ' + esc(e.to ?? '') : ''}</td>`
    + `<td>${esc(e.detail)}</td></tr>`).join('');
}

const ACTIONS = [
  ['pause', 'Pause', {}], ['resume', 'Resume', {}], ['throttle', 'Throttle 50%', { ratio: 0.5 }],
  ['throttle', 'Unthrottle', { ratio: 0 }], ['approve', 'Approve start', { stage: 'start' }],
  ['approve', 'Approve cut-over', { stage: 'cutover' }], ['revoke', 'Withdraw my cut-over approval', { stage: 'cutover' }],
  ['release', 'Release cut-over', {}],
  ['retry', 'Retry', {}], ['abort', 'Abort', {}],
  // Only for a migration in its revert window: a revert of every shard in it, and the window's end now.
  ['revert', 'Revert', {}, 'REVERTIBLE'], ['close-window', 'Close revert window', {}, 'REVERTIBLE'],
  // Only for a health alert after a swap that cannot be reverted: the new schema stays; the alert ends.
  ['acknowledge', 'Acknowledge alert', {}, 'ALERTED'],
];

function renderActions(id) {
  const box = document.getElementById('actions');
  if (box.dataset.id === id && box.children.length) return; // keep buttons (and their pending state) stable
  box.dataset.id = id;
  box.innerHTML = '';
  for (const [kind, label, args, only] of ACTIONS) {
    const b = document.createElement('button');
    b.textContent = label;
    b.dataset.kind = kind;
    if (only) { b.dataset.only = only; b.hidden = true; }
    if (args.stage) b.dataset.stage = args.stage;
    b.disabled = state.session === null || state.session.readOnly;
    b.title = b.disabled ? state.session.why : '';
    b.addEventListener('click', () => send(id, kind, args, b));
    box.appendChild(b);
  }
}

async function send(id, kind, args, button) {
  if (button.dataset.pending) return; // a second click while the first is on its way is the same click
  button.dataset.pending = 'yes';
  button.disabled = true;
  const directiveId = 'web-' + crypto.randomUUID(); // one id per click: a repeated request is one directive
  const result = document.getElementById('action-result');
  try {
    const response = await fetch('api/migrations/' + encodeURIComponent(id) + '/' + kind, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Osc4j-Csrf': state.session.csrf },
      body: JSON.stringify(Object.assign({ directiveId }, args)),
    });
    const body = await response.json();
    result.textContent = !response.ok
      ? `refused (${response.status}${body.reason ? ', ' + body.reason : ''}): ${body.error}`
      : body.revert
        ? `revert started as ${body.revert} (${body.directiveId}); the migration is ${body.stateAfter}`
        : `${body.kind.toLowerCase()} recorded (${body.directiveId}); the migration is ${body.stateAfter}`;
  } finally {
    delete button.dataset.pending;
    button.disabled = false;
    refresh();
  }
}

load();
