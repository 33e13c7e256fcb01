// The sandbox shell's behaviour. It renders GET /sandbox/api/state for the chosen demo user and
// frames the panel URLs that document carries; it never builds a panel URL itself, so the server
// (manifest/ + the tag values) stays the one place that knows how SuperOffice fills them in.
// Plain JavaScript served as a file: the page's CSP allows no inline script and no build step.
// When the server mounts the edit routes (state.editable), the appointment dialog also saves,
// deletes and creates appointments as the signed-in user; the server applies them in the SuperOffice
// simulator, which then sends the app its activity webhooks.

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`shell.html lacks #${id}`);
  return el;
};

/** Creates an element with text and attributes; text goes through textContent, never innerHTML. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

const CALENDAR_NAMES = {
  graph: 'Microsoft 365',
  google: 'Google Calendar',
  ews: 'Exchange (on-premises)',
};

let state = null;
/** 'diary' or the key of a navigator panel ('user', 'admin'). */
let view = 'diary';
let openAppointment = null;
/** The dialog's mode while editing is on: 'existing' or 'new'; null when it only shows. */
let editMode = null;

function fmt(options) {
  return new Intl.DateTimeFormat('en-GB', { timeZone: state.tenant.timeZone, ...options });
}

/** `date` as <input type=datetime-local> wants it, wall time in the tenant's zone (the server reads it so). */
function wallTime(date) {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: state.tenant.timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** The week's day `i` (0 = Monday) as a noon-UTC Date, which names the same date in every zone. */
function weekDay(i) {
  const [y, m, d] = state.week.start.slice(0, 10).split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + i, 12));
}

/** ISO week number of a noon-UTC date, as SuperOffice's diary header shows it. */
function isoWeek(date) {
  const thursday = new Date(date);
  thursday.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7) + 3);
  const jan1 = new Date(Date.UTC(thursday.getUTCFullYear(), 0, 1, 12));
  return 1 + Math.floor((thursday - jan1) / 86_400_000 / 7);
}

async function load(associateId) {
  const q = associateId === undefined ? '' : `?as=${encodeURIComponent(associateId)}`;
  const res = await fetch(`/sandbox/api/state${q}`, { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => null);
  if (!res.ok || !body) throw new Error(body?.message ?? `GET /sandbox/api/state answered ${res.status}`);
  return body;
}

function renderTopbar() {
  $('tenant').textContent = `${state.tenant.companyName} · ${state.tenant.contextIdentifier}`;
  const select = $('user-switcher');
  select.replaceChildren(
    ...state.users.map((u) =>
      el(
        'option',
        { value: u.associateId, selected: u.associateId === state.currentUser.associateId },
        u.isAdministrator ? `${u.name} (administrator)` : u.name,
      ),
    ),
  );
}

function renderNavigator() {
  $('nav-diary').classList.toggle('active', view === 'diary');
  $('nav-panels').replaceChildren(
    ...state.navigator.map((p) =>
      el(
        'li',
        {},
        el(
          'button',
          {
            type: 'button',
            class: `nav-item${view === p.key ? ' active' : ''}`,
            title: p.tooltip,
            dataset: { panel: p.key },
          },
          syncIcon(),
          el('span', {}, p.label),
        ),
      ),
    ),
  );
}

function syncIcon() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', 'M19 8a7.5 7.5 0 0 0-13.4-1.6M5 4v3h3M5 16a7.5 7.5 0 0 0 13.4 1.6M19 20v-3h-3');
  svg.append(path);
  return svg;
}

function renderDiary() {
  const user = state.currentUser;
  const start = weekDay(0);
  const lastDay = weekDay(6);
  $('diary-title').textContent = `Diary · ${user.name}`;
  $('diary-sub').textContent = `Week ${isoWeek(start)} · ${fmt({ day: 'numeric', month: 'long' }).format(start)} – ${fmt({
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(lastDay)}`;
  $('calendar-chip').replaceChildren(
    user.calendarSystem
      ? state.mailboxPage
        ? el('a', { class: 'chip chip-linked', href: state.mailboxPage, target: '_blank', rel: 'noopener', title: 'Open this mailbox in the calendar simulator' }, `${CALENDAR_NAMES[user.calendarSystem] ?? user.calendarSystem} · ${user.mailbox ?? ''} ↗`)
        : el('span', { class: 'chip chip-linked' }, `${CALENDAR_NAMES[user.calendarSystem] ?? user.calendarSystem} · ${user.mailbox ?? ''}`)
      : el('span', { class: 'chip chip-none' }, 'No calendar linked'),
  );

  $('new-appointment').hidden = !state.editable;

  // The week's days Monday to Friday, plus a weekend day only when something is booked on it.
  const byDay = new Map();
  for (const a of state.appointments) {
    const key = a.start.slice(0, 10);
    if (!byDay.has(key)) byDay.set(key, []);
    byDay.get(key).push(a);
  }
  const today = fmt({ year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date()).split('/').reverse().join('-');
  const days = [];
  for (let i = 0; i < 7; i++) {
    const d = weekDay(i);
    const key = d.toISOString().slice(0, 10);
    if (i >= 5 && !byDay.has(key)) continue;
    const items = byDay.get(key) ?? [];
    days.push(
      el(
        'section',
        { class: `day${key === today ? ' today' : ''}`, 'aria-label': fmt({ weekday: 'long', day: 'numeric', month: 'long' }).format(d) },
        el(
          'h2',
          { class: 'day-title' },
          el('span', { class: 'day-name' }, fmt({ weekday: 'long' }).format(d)),
          el('span', { class: 'day-date' }, fmt({ day: 'numeric', month: 'short' }).format(d)),
          key === today ? el('span', { class: 'today-badge' }, 'Today') : null,
        ),
        items.length
          ? el('ul', { class: 'appointments' }, ...items.map(appointmentRow))
          : el('p', { class: 'day-empty' }, 'No appointments'),
      ),
    );
  }
  $('diary').replaceChildren(...days);
}

function appointmentRow(a) {
  const time = `${fmt({ hour: '2-digit', minute: '2-digit' }).format(new Date(a.start))}–${fmt({
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(a.end))}`;
  return el(
    'li',
    {},
    el(
      'button',
      { type: 'button', class: 'appointment', dataset: { appointmentId: a.id } },
      el('span', { class: 'appointment-time' }, time),
      el(
        'span',
        { class: 'appointment-body' },
        el('span', { class: 'appointment-title' }, a.title),
        el('span', { class: 'appointment-meta' }, `${a.companyName} · ${a.location}`),
      ),
    ),
  );
}

function renderMain() {
  const panel = state.navigator.find((p) => p.key === view);
  if (!panel) view = 'diary';
  $('view-diary').hidden = view !== 'diary';
  $('view-panel').hidden = view === 'diary';
  const frame = $('main-frame');
  if (panel) {
    $('panel-title').textContent = panel.label;
    $('panel-progid').textContent = panel.progId;
    $('main-frame-url').textContent = panel.url;
    frame.title = panel.label;
    if (frame.getAttribute('src') !== panel.url) frame.setAttribute('src', panel.url);
  } else if (frame.hasAttribute('src')) {
    // An unloaded frame must not keep running the previous user's panel.
    frame.removeAttribute('src');
  }
  renderNavigator();
}

function render() {
  renderTopbar();
  renderDiary();
  renderMain();
}

function selectTab(which) {
  const web = which === 'webpanel';
  $('tab-details').setAttribute('aria-selected', String(!web));
  $('tab-webpanel').setAttribute('aria-selected', String(web));
  $('tabpanel-details').hidden = web;
  $('tabpanel-webpanel').hidden = !web;
  const frame = $('appointment-frame');
  // Like SuperOffice, the web panel loads when its tab is shown, not when the dialog opens.
  if (web && openAppointment && frame.getAttribute('src') !== openAppointment.panelUrl) {
    frame.setAttribute('src', openAppointment.panelUrl);
  }
}

function openDialog(a) {
  openAppointment = a;
  $('dialog-title').textContent = a.title;
  $('tab-webpanel').hidden = false;
  $('tab-webpanel').textContent = state.appointmentTab.label;
  $('tab-webpanel').title = state.appointmentTab.tooltip;
  $('appointment-frame-url').textContent = a.panelUrl;
  const when = `${fmt({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(a.start))}, ${fmt({
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(a.start))}–${fmt({ hour: '2-digit', minute: '2-digit' }).format(new Date(a.end))}`;
  const rows = [
    ['When', when],
    ['Company', a.companyName],
    ['Location', a.location],
    ['Owner', state.currentUser.name],
    ['Description', a.description],
    ['Appointment id', String(a.id)],
  ];
  $('appointment-details').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  $('appointment-frame').removeAttribute('src');
  setEditing(state.editable ? 'existing' : null, a.title, new Date(a.start), new Date(a.end));
  selectTab('details');
  const dialog = $('appointment-dialog');
  if (!dialog.open) dialog.showModal();
}

function openNewDialog() {
  openAppointment = null;
  $('dialog-title').textContent = 'New appointment';
  // The web-panel tab needs an appointment id; SuperOffice shows it only once the appointment exists.
  $('tab-webpanel').hidden = true;
  $('appointment-details').replaceChildren(
    el('dt', {}, 'Owner'),
    el('dd', {}, state.currentUser.name),
  );
  const start = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000);
  setEditing('new', '', start, new Date(start.getTime() + 3_600_000));
  selectTab('details');
  const dialog = $('appointment-dialog');
  if (!dialog.open) dialog.showModal();
  $('edit-title').focus();
}

function setEditing(mode, title, start, end) {
  editMode = mode;
  $('appointment-form').hidden = mode === null;
  $('dialog-save').hidden = mode === null;
  $('dialog-delete').hidden = mode !== 'existing';
  $('dialog-delete').textContent = 'Delete';
  delete $('dialog-delete').dataset.armed;
  $('dialog-ok').textContent = mode === null ? 'OK' : 'Cancel';
  $('dialog-ok').classList.toggle('button-quiet', mode !== null);
  $('edit-error').hidden = true;
  if (mode === null) return;
  $('edit-title').value = title;
  $('edit-start').value = wallTime(start);
  $('edit-end').value = wallTime(end);
}

function showEditError(message) {
  $('edit-error').textContent = message;
  $('edit-error').hidden = false;
}

/** Sends one edit; on success reloads the diary from the simulator and closes the dialog. */
async function submitEdit(method, path, body) {
  const buttons = [$('dialog-save'), $('dialog-delete')];
  for (const b of buttons) b.disabled = true;
  try {
    const res = await fetch(path, {
      method,
      headers: body ? { 'content-type': 'application/json', accept: 'application/json' } : { accept: 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) {
      const err = await res.json().catch(() => null);
      showEditError(err?.message ?? `${method} ${path} answered ${res.status}`);
      return;
    }
    closeDialog();
    state = await load(state.currentUser.associateId);
    render();
  } catch (err) {
    showEditError(err instanceof Error ? err.message : String(err));
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

function onSave(e) {
  e.preventDefault();
  const title = $('edit-title').value.trim();
  const start = $('edit-start').value;
  const end = $('edit-end').value;
  if (!title) return showEditError('Give the appointment a title.');
  if (!start || !end) return showEditError('Give the appointment a start and an end.');
  if (end < start) return showEditError('The end must not be before the start.');
  const body = { associateId: state.currentUser.associateId, title, start, end };
  if (editMode === 'new') submitEdit('POST', '/sandbox/api/appointments', body);
  else if (editMode === 'existing' && openAppointment) submitEdit('PATCH', `/sandbox/api/appointments/${encodeURIComponent(openAppointment.id)}`, body);
}

function onDelete() {
  if (editMode !== 'existing' || !openAppointment) return;
  const button = $('dialog-delete');
  // Two clicks, so a stray one does not delete; a browser confirm() would block the page.
  if (!button.dataset.armed) {
    button.dataset.armed = 'yes';
    button.textContent = 'Really delete?';
    return;
  }
  const q = `?as=${encodeURIComponent(state.currentUser.associateId)}`;
  submitEdit('DELETE', `/sandbox/api/appointments/${encodeURIComponent(openAppointment.id)}${q}`);
}

function closeDialog() {
  const dialog = $('appointment-dialog');
  if (dialog.open) dialog.close();
}

function onDialogClosed() {
  openAppointment = null;
  editMode = null;
  $('appointment-frame').removeAttribute('src');
}

/** Tells SuperOffice who uses the web client now, so a panel's sign-in popup offers that user. */
async function announceSignedIn(associateId) {
  const res = await fetch('/sandbox/api/signed-in', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ associateId }),
  });
  if (!res.ok) throw new Error(`POST /sandbox/api/signed-in answered ${res.status}`);
}

async function switchUser(associateId) {
  try {
    state = await load(associateId);
    await announceSignedIn(state.currentUser.associateId);
    $('load-error').hidden = true;
  } catch (err) {
    showError(err);
    return;
  }
  closeDialog();
  const url = new URL(location.href);
  url.searchParams.set('as', String(state.currentUser.associateId));
  history.replaceState(null, '', url);
  render();
}

function showError(err) {
  $('load-error').textContent = `The sandbox state could not be loaded: ${err instanceof Error ? err.message : String(err)}`;
  $('load-error').hidden = false;
}

function wire() {
  $('user-switcher').addEventListener('change', (e) => switchUser(e.target.value));
  $('nav-diary').addEventListener('click', () => {
    view = 'diary';
    renderMain();
  });
  $('nav-panels').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-panel]');
    if (!button) return;
    view = button.dataset.panel;
    renderMain();
  });
  $('diary').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-appointment-id]');
    if (!button) return;
    const a = state.appointments.find((x) => String(x.id) === button.dataset.appointmentId);
    if (a) openDialog(a);
  });
  $('tab-details').addEventListener('click', () => selectTab('details'));
  $('tab-webpanel').addEventListener('click', () => selectTab('webpanel'));
  $('dialog-close').addEventListener('click', closeDialog);
  $('dialog-ok').addEventListener('click', closeDialog);
  $('appointment-dialog').addEventListener('close', onDialogClosed);
  $('appointment-form').addEventListener('submit', onSave);
  $('dialog-delete').addEventListener('click', onDelete);
  $('new-appointment').addEventListener('click', openNewDialog);
}

/**
 * The diary follows SuperOffice while it is shown: appointments the sync brings in from the calendar
 * (or that another tab changed) appear within seconds, as the panels' own status does. It is left
 * alone while the dialog is open, so nothing moves under the person's hands.
 */
const DIARY_REFRESH_MS = 5000;
let refreshing = false;

async function refreshDiary() {
  if (refreshing || !state || document.visibilityState !== 'visible' || $('appointment-dialog').open) return;
  refreshing = true;
  try {
    const next = await load(state.currentUser.associateId);
    if (next.currentUser.associateId !== state.currentUser.associateId || $('appointment-dialog').open) return;
    const changed = JSON.stringify(next.appointments) !== JSON.stringify(state.appointments);
    state = next;
    if (changed) renderDiary();
  } catch {
    // A failed refresh changes nothing; the next one tries again.
  } finally {
    refreshing = false;
  }
}

wire();
const initial = new URL(location.href).searchParams.get('as') ?? undefined;
switchUser(initial).then(() => {
  document.body.classList.add('ready');
  setInterval(refreshDiary, DIARY_REFRESH_MS);
});
