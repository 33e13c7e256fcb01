// GET /control/mailbox/:upn: a small page showing a mailbox's events of one week (in the mailbox's
// zone) where a person creates, edits and deletes events "in Outlook". Plain forms posting back here
// and a stylesheet served as a file: no script at all, so the page works under a strict CSP and in
// the sandbox shell's frame. Every edit goes through the control API, so subscriptions are notified.
// `?event=<id>` (an event's webLink, graph/event-json.ts) opens that event's week with its row
// marked; the link's `#event` fragment scrolls to it.
import express, { Router, type Request, type Response } from 'express';
import type { MicrosoftControl } from './control.ts';
import type { Directory } from './directory.ts';
import { GraphError } from './graph/errors.ts';
import { fromWall, parseDateTime, toWall } from './graph/time-zone.ts';
import { esc } from './identity/errors.ts';

const DAY = 86_400_000;
const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors *";

const CSS = `body { font: 14px "Segoe UI", system-ui, sans-serif; margin: 1.5rem; color: #1b1b1b; }
h1 { font-size: 1.3rem; margin: 0 0 .3rem; }
nav a { margin-right: 1rem; }
table { border-collapse: collapse; margin: 1rem 0; width: 100%; }
td, th { border-bottom: 1px solid #ddd; padding: .35rem .4rem; text-align: left; vertical-align: middle; }
input[type=text] { width: 14rem; }
input[type=time] { width: 6.5rem; }
.notice { background: #dff6dd; padding: .5rem; }
.error { background: #fde7e9; padding: .5rem; }
.kind { color: #666; font-size: .85em; }
tr.marked td { background: #fff4ce; outline: 2px solid #c19c00; }
fieldset { border: 1px solid #ccc; }
`;

/** The instant of a Graph dateTimeTimeZone the control API gives in UTC. */
const instantOf = (t: unknown) => Date.parse(`${String((t as { dateTime: string }).dateTime).slice(0, 19)}Z`);
const dateOf = (wall: number) => new Date(wall).toISOString().slice(0, 10);
const timeOf = (wall: number) => new Date(wall).toISOString().slice(11, 16);

/** Monday 00:00 (wall clock) of the week holding `wall`. */
function monday(wall: number): number {
  const day = Math.floor(wall / DAY) * DAY;
  return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY;
}

function pageUrl(upn: string, week: string, notice?: string, error?: string): string {
  const q = new URLSearchParams({ week });
  if (notice) q.set('notice', notice);
  if (error) q.set('error', error);
  return `/control/mailbox/${encodeURIComponent(upn)}?${q}`;
}

function eventFields(subject: string, date: string, start: string, end: string, location: string): string {
  return `<input type="text" name="subject" value="${esc(subject)}" required aria-label="Subject">
      <input type="date" name="date" value="${esc(date)}" required aria-label="Date">
      <input type="time" name="start" value="${esc(start)}" required aria-label="Start"> –
      <input type="time" name="end" value="${esc(end)}" required aria-label="End">
      <input type="text" name="location" value="${esc(location)}" aria-label="Location" placeholder="Location">`;
}

/** When the event starts (UTC ms), or null when the mailbox has no such event. */
function eventStart(control: MicrosoftControl, userId: string, eventId: string): number | null {
  try {
    return instantOf(control.event(userId, eventId).start);
  } catch (err) {
    if (err instanceof GraphError) return null;
    throw err;
  }
}

function render(control: MicrosoftControl, dir: Directory, req: Request, res: Response): void {
  const user = dir.user(String(req.params.upn ?? ''));
  if (!user) return void res.status(404).type('text').send('No such user');
  if (!user.hasMailbox) return void res.status(404).type('text').send(`${user.userPrincipalName} has no Exchange Online mailbox`);
  const zone = control.mailboxTimeZone(user.id);
  const weekParam = typeof req.query.week === 'string' ? parseDateTime(req.query.week) : null;
  const marked = typeof req.query.event === 'string' ? req.query.event : null;
  const markedStart = marked && !weekParam ? eventStart(control, user.id, marked) : null;
  const start = monday(weekParam ? weekParam.ms : toWall(markedStart ?? dir.now(), zone));
  const from = fromWall(start, zone);
  const to = fromWall(start + 7 * DAY, zone);
  const events = control.events(user.id, { start: new Date(from), end: new Date(to) });
  const week = dateOf(start);
  const rows = events.map((e) => {
    const s = toWall(instantOf(e.start), zone);
    const en = toWall(instantOf(e.end), zone);
    const id = encodeURIComponent(String(e.id));
    const location = String((e.location as { displayName?: string } | undefined)?.displayName ?? '');
    const mark = marked !== null && e.id === marked ? ' id="event" class="marked" aria-current="true"' : '';
    return `<tr${mark}><td><form method="post" action="/control/mailbox/${encodeURIComponent(user.userPrincipalName)}/events/${id}?week=${week}">
      ${eventFields(String(e.subject ?? ''), dateOf(s), timeOf(s), timeOf(en), location)}
      <span class="kind">${esc(String(e.type))}</span>
      <button name="action" value="update">Save</button> <button name="action" value="delete" formnovalidate>Delete</button>
    </form></td></tr>`;
  }).join('\n');
  const notice = typeof req.query.notice === 'string' ? `<p class="notice" role="status">${esc(req.query.notice)}</p>` : '';
  const gone = marked && !weekParam && markedStart === null ? 'That event is no longer in this calendar.' : undefined;
  const errorText = typeof req.query.error === 'string' ? req.query.error : gone;
  const error = errorText ? `<p class="error" role="alert">${esc(errorText)}</p>` : '';
  const base = `/control/mailbox/${encodeURIComponent(user.userPrincipalName)}`;
  res.status(200).type('html').set('content-security-policy', CSP).send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(user.displayName)} – Outlook calendar (simulator)</title>
<link rel="stylesheet" href="/control/mailbox.css"></head>
<body>
<h1>${esc(user.displayName)}’s calendar</h1>
<p>${esc(user.userPrincipalName)} · week of ${week} · times in ${esc(zone)}</p>
<nav><a href="${base}?week=${dateOf(start - 7 * DAY)}">← Previous week</a><a href="${base}">This week</a><a href="${base}?week=${dateOf(start + 7 * DAY)}">Next week →</a></nav>
${notice}${error}
<table><tbody>
${rows || '<tr><td>No events this week.</td></tr>'}
</tbody></table>
<form method="post" action="${base}/events?week=${week}"><fieldset><legend>New event</legend>
  ${eventFields('', week, '09:00', '10:00', '')}
  <button>Create</button></fieldset></form>
</body></html>`);
}

function formEvent(body: Record<string, unknown>, zone: string): Record<string, unknown> {
  const f = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(f('date')) || !/^\d{2}:\d{2}$/.test(f('start')) || !/^\d{2}:\d{2}$/.test(f('end'))) {
    throw new GraphError(400, 'BadRequest', 'Date, start and end are required.');
  }
  const out: Record<string, unknown> = {
    subject: f('subject'),
    start: { dateTime: `${f('date')}T${f('start')}:00`, timeZone: zone },
    end: { dateTime: `${f('date')}T${f('end')}:00`, timeZone: zone },
  };
  out.location = { displayName: f('location') };
  return out;
}

export function mailboxPageRoutes(control: MicrosoftControl, dir: Directory): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: '32kb' });
  r.get('/control/mailbox.css', (_req, res) => void res.type('css').set('cache-control', 'no-cache').send(CSS));
  r.get('/control/mailbox/:upn', (req, res) => render(control, dir, req, res));
  const act = (req: Request, res: Response, edit: (zone: string, body: Record<string, unknown>) => string) => {
    const upn = String(req.params.upn ?? '');
    const week = typeof req.query.week === 'string' ? req.query.week : '';
    try {
      const notice = edit(control.mailboxTimeZone(upn), (req.body ?? {}) as Record<string, unknown>);
      res.redirect(303, pageUrl(upn, week, notice));
    } catch (err) {
      if (!(err instanceof GraphError)) throw err;
      res.redirect(303, pageUrl(upn, week, undefined, err.message));
    }
  };
  r.post('/control/mailbox/:upn/events', form, (req, res) => act(req, res, (zone, body) => {
    control.editAsUser(String(req.params.upn), { op: 'create', event: formEvent(body, zone) });
    return 'Event created.';
  }));
  r.post('/control/mailbox/:upn/events/:id', form, (req, res) => act(req, res, (zone, body) => {
    const id = String(req.params.id);
    if (body.action === 'delete') {
      control.editAsUser(String(req.params.upn), { op: 'delete', eventId: id });
      return 'Event deleted.';
    }
    control.editAsUser(String(req.params.upn), { op: 'update', eventId: id, changes: formEvent(body, zone) });
    return 'Event saved.';
  }));
  return r;
}
