// The Microsoft 365 side of a link: one mailbox's calendar through Graph, within the link's window.
// Changes come from `calendarView/delta` over the window (graph-ews spec 3): the deltaLink is the
// cursor. Delta lists occurrences, not series, and cannot expand our stable-key property, so every
// event it names is read again by id (in `$batch`es of 20) and a series is read as its master plus
// its instances. Graph documents delta items with calendarView's properties (`type`,
// `seriesMasterId`), which lead from an occurrence to its series at once; an entry without them is
// read and, if it turns out to be an occurrence or exception, its series is read instead. An `@removed` entry means deleted *or* moved out of the window; it is reported as a
// deletion only once a GET says the event is gone, otherwise the event itself is returned (the
// engine decides what an item outside the window means).
//
// Writes carry If-Match with the change key read, update sends only the fields that differ
// (mapping.ts patchFor), and a create carries a transactionId made from the stable key, so a
// retried POST cannot make a second event.
import { createHash } from 'node:crypto';
import type { CalendarEvent } from '../../sync/event.ts';
import { contentHash } from '../../sync/hash.ts';
import { CursorExpired, NotFound, PreconditionFailed, Transient } from '../../sync/errors.ts';
import type { CalendarSide, ChangePage, SideChange, SideItem } from '../../sync/side.ts';
import type { GraphConnection } from './client.ts';
import { GraphRejected } from './errors.ts';
import { DEFAULT_PAGE_SIZE, EXPAND, ItemReader, PREFER, changeKeyOf, etagOf, pageOf, type LoadedItem } from './items.ts';
import { STABLE_KEY_PROPERTY, createBodyFor, parseGraphEvent, patchFor, type MappingOptions } from './mapping.ts';
import { writeExceptions } from './series-writes.ts';
import { isTimeZone } from '../wall-clock.ts';

export interface GraphSideOptions {
  /** Access bound to the mailbox (GraphConnection.forMailbox). */
  graph: GraphConnection;
  window: { from: Date; to: Date };
  /** The mailbox's IANA zone: all-day events are written in it. Default UTC. */
  timeZone?: string;
  /** Delta and instance page size (`Prefer: odata.maxpagesize`). */
  pageSize?: number;
}

interface Cursor {
  v: 1;
  /** The mailbox, lower case: a cursor of another mailbox is refused. */
  m: string;
  /** Graph's deltaLink, called verbatim. */
  d: string;
}

/** A transactionId for a create: the same stable key always gives the same id (Graph then returns the event made before). */
function transactionIdOf(stableKey: string, salt = ''): string {
  return `calsync-${createHash('sha256').update(`${stableKey}\n${salt}`).digest('hex').slice(0, 40)}`;
}

type EntryState = { kind: 'present'; masterId?: string } | { kind: 'removed' };

export function createGraphSide(opts: GraphSideOptions): CalendarSide {
  const graph = opts.graph;
  const mailbox = graph.mailbox;
  if (!mailbox) throw new Error('createGraphSide needs a connection bound to a mailbox (GraphConnection.forMailbox)');
  const user = `/users/${encodeURIComponent(mailbox)}`;
  const mapping: MappingOptions = { timeZone: opts.timeZone && isTimeZone(opts.timeZone) ? opts.timeZone : 'UTC' };
  const pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
  const reader = new ItemReader({ graph, user, mapping, window: opts.window, pageSize });
  const writer = { graph, reader, mapping, window: opts.window };

  const encode = (deltaLink: string) => Buffer.from(JSON.stringify({ v: 1, m: mailbox.toLowerCase(), d: deltaLink } satisfies Cursor)).toString('base64url');
  const decode = (s: string): string => {
    let c: Partial<Cursor>;
    try {
      c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Partial<Cursor>;
    } catch {
      throw new CursorExpired('not a Microsoft 365 cursor');
    }
    if (c.v !== 1 || c.m !== mailbox.toLowerCase() || typeof c.d !== 'string' || !c.d.startsWith('https://')) throw new CursorExpired('not a cursor of this mailbox');
    return c.d;
  };

  /** Every entry since the cursor (or of the whole window), last state per id. */
  const readDelta = async (cursor: string | null): Promise<{ entries: Map<string, EntryState>; deltaLink: string }> => {
    let url = cursor === null
      ? `${user}/calendarView/delta?startDateTime=${opts.window.from.toISOString()}&endDateTime=${opts.window.to.toISOString()}`
      : decode(cursor);
    const entries = new Map<string, EntryState>();
    for (;;) {
      const page = pageOf(await graph.request({ url, headers: { Prefer: `${PREFER}, odata.maxpagesize=${pageSize}` }, delta: true }));
      for (const raw of page.value) {
        const e = raw as { id?: unknown; '@removed'?: unknown; type?: unknown; seriesMasterId?: unknown };
        if (typeof e.id !== 'string' || !e.id) throw new Transient('Microsoft Graph sent a delta entry without an id');
        entries.delete(e.id); // the last entry per id counts, in the order Graph sent them
        if (e['@removed']) entries.set(e.id, { kind: 'removed' });
        else if ((e.type === 'occurrence' || e.type === 'exception') && typeof e.seriesMasterId === 'string') entries.set(e.id, { kind: 'present', masterId: e.seriesMasterId });
        else entries.set(e.id, { kind: 'present' });
      }
      if (page.next) url = page.next;
      else if (page.delta) return { entries, deltaLink: page.delta };
      else throw new Transient('Microsoft Graph ended a delta read without a deltaLink');
    }
  };

  const mustLoad = async (id: string): Promise<LoadedItem> => {
    const loaded = await reader.load(id);
    if (!loaded) throw new NotFound(id);
    return loaded;
  };

  /** Single events and series masters carrying our stable key, as Graph sent them. */
  const stableKeyed = async (key: string): Promise<Array<{ raw: unknown; id: string }>> => {
    const filter = `singleValueExtendedProperties/Any(ep: ep/id eq '${STABLE_KEY_PROPERTY}' and ep/value eq '${key.replace(/'/g, "''")}')`;
    const url = `${user}/events?$filter=${encodeURIComponent(filter)}&${EXPAND}`;
    const page = pageOf(await graph.request({ url, headers: { Prefer: PREFER } }));
    return page.value
      .map((raw) => ({ raw, e: parseGraphEvent(raw) }))
      .filter(({ e }) => e.type !== 'occurrence' && e.type !== 'exception')
      .map(({ raw, e }) => ({ raw, id: e.id }));
  };

  const create = async (event: CalendarEvent, salt?: string, replacing?: string): Promise<SideItem> => {
    const body = createBodyFor(event, mapping);
    const transactionId = event.stableKey ? transactionIdOf(event.stableKey, salt) : undefined;
    if (transactionId) body.transactionId = transactionId;
    let createdId: string;
    try {
      createdId = parseGraphEvent(await graph.request({ method: 'POST', url: `${user}/events`, body, headers: { Prefer: PREFER } })).id;
    } catch (err) {
      // No document says how Graph answers a repeated transactionId: with the first event (201),
      // or refused (409, or 400) with a code nobody documents. A refusal of either status is taken
      // as "it exists": the event this transactionId made is adopted (or, if Graph does not show
      // transactionId, another with our key, never the one being replaced); none, and the refusal stands.
      if (!(err instanceof GraphRejected && (err.status === 409 || err.status === 400) && event.stableKey)) throw err;
      const ours = (await stableKeyed(event.stableKey)).filter((c) => c.id !== replacing);
      const made = ours.find((c) => (c.raw as { transactionId?: unknown }).transactionId === transactionId) ?? ours[0];
      if (!made) throw err;
      createdId = made.id;
    }
    const loaded = await mustLoad(createdId);
    // A retried create gets the series made before, which may lack an occurrence `event` keeps.
    if (event.recurrence && (await writeExceptions(writer, createdId, event)) === 'replace') return replace(loaded, event);
    return event.recurrence ? (await mustLoad(createdId)).item : loaded.item;
  };

  /** A series that cannot become `event` in place becomes a new event with the same key. */
  const replace = async (cur: LoadedItem, event: CalendarEvent): Promise<SideItem> => {
    const created = await create({ ...event, stableKey: event.stableKey ?? cur.item.event.stableKey }, cur.item.id, cur.item.id);
    await graph.request({ method: 'DELETE', url: `${user}/events/${encodeURIComponent(cur.item.id)}`, headers: { 'If-Match': etagOf(cur.raw) }, itemId: cur.item.id });
    return created;
  };

  const side: CalendarSide = {
    capabilities: { readOnly: false, noDelete: false, recurrence: true },

    async listChanges(cursor: string | null): Promise<ChangePage> {
      const { entries, deltaLink } = await readDelta(cursor);
      const removed = [...entries].filter(([, s]) => s.kind === 'removed').map(([id]) => id);
      const wanted = new Set<string>();
      for (const [id, s] of entries) if (s.kind === 'present') wanted.add(s.masterId ?? id);
      const changes: SideChange[] = [];
      // Gone, or only out of the window? Only a GET can tell.
      const stillThere = await reader.events(removed);
      for (const id of removed) {
        const ev = stillThere.get(id);
        if (!ev) changes.push({ id, deleted: true });
        else wanted.add((ev.type === 'occurrence' || ev.type === 'exception') && ev.seriesMasterId ? ev.seriesMasterId : id);
      }
      const events = await reader.events([...wanted].filter((id) => !stillThere.has(id)));
      for (const id of wanted) {
        const ev = stillThere.get(id);
        if (ev) events.set(id, ev);
      }
      const masters: string[] = [];
      for (const [id, ev] of events) {
        if ((ev.type !== 'occurrence' && ev.type !== 'exception') || !ev.seriesMasterId) continue;
        events.delete(id);
        wanted.delete(id);
        if (!wanted.has(ev.seriesMasterId)) masters.push(ev.seriesMasterId);
        wanted.add(ev.seriesMasterId);
      }
      const unread = masters.filter((id) => !events.has(id));
      if (unread.length) for (const [id, ev] of await reader.events(unread)) events.set(id, ev);
      const items = await reader.items([...events.values()]);
      for (const id of wanted) {
        const loaded = items.get(id);
        if (loaded) changes.push(loaded.item);
        else if (!events.has(id)) changes.push({ id, deleted: true }); // gone between the delta and the read
      }
      return { changes, nextCursor: encode(deltaLink), complete: true };
    },

    async get(ids: readonly string[]): Promise<Map<string, SideItem>> {
      const loaded = await reader.loadMany(ids);
      return new Map([...loaded].map(([id, l]) => [id, l.item]));
    },

    create: (event) => create(event),

    async update(id: string, event: CalendarEvent, ifVersion: string): Promise<SideItem> {
      const cur = await mustLoad(id);
      if (cur.item.version !== ifVersion) throw new PreconditionFailed(id);
      const wasSeries = cur.item.event.recurrence !== undefined;
      // Graph cannot turn a series back into one event: a new event replaces it.
      if (wasSeries && !event.recurrence) return replace(cur, event);
      const patch = patchFor(cur.item.event, event, cur.raw, mapping);
      if (Object.keys(patch).length > 0) {
        await graph.request({ method: 'PATCH', url: `${user}/events/${encodeURIComponent(id)}`, body: patch, headers: { 'If-Match': etagOf(cur.raw), Prefer: PREFER }, itemId: id });
      }
      const exceptionsChanged = contentHash({ recurrence: cur.item.event.recurrence } as CalendarEvent, ['recurrence']) !== contentHash({ recurrence: event.recurrence } as CalendarEvent, ['recurrence']);
      if (event.recurrence && (exceptionsChanged || patch.recurrence || patch.start) && (await writeExceptions(writer, id, event)) === 'replace') {
        return replace(await mustLoad(id), event);
      }
      return (await mustLoad(id)).item;
    },

    async delete(id: string, ifVersion: string): Promise<void> {
      let etag = `W/"${changeKeyOf(ifVersion)}"`;
      if (ifVersion.includes('~')) {
        // A series' version also covers its exceptions, which If-Match on the master does not.
        const cur = await mustLoad(id);
        if (cur.item.version !== ifVersion) throw new PreconditionFailed(id);
        etag = etagOf(cur.raw);
      }
      await graph.request({ method: 'DELETE', url: `${user}/events/${encodeURIComponent(id)}`, headers: { 'If-Match': etag }, itemId: id });
    },

    async findByStableKey(key: string): Promise<SideItem | null> {
      const [first] = await stableKeyed(key);
      if (!first) return null;
      const items = await reader.items([parseGraphEvent(first.raw)]);
      return items.get(first.id)?.item ?? null;
    },
  };
  return side;
}
