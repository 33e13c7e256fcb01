// Reading a mailbox's events as side items: one per single event and one per series (the master,
// its exceptions gathered from its instances). Every read asks for UTC times, text bodies and
// immutable ids, and expands our stable-key property (delta cannot, so items are re-read by id).
import { createHash } from 'node:crypto';
import type { SideItem } from '../../sync/side.ts';
import { NotFound, Transient } from '../../sync/errors.ts';
import type { BatchResult, GraphConnection, GraphRequest } from './client.ts';
import { eventFromGraph, masterFromGraph, parseGraphEvent, seriesFromGraph, seriesZone, STABLE_KEY_PROPERTY, type GraphEvent, type MappingOptions } from './mapping.ts';
import { seriesSpan } from './series.ts';

/**
 * Asked of every request: instants in UTC and ids that survive folder moves (graph-ews spec 2.2,
 * 2.3). Bodies come as stored and HTML is turned into text here (html-text.ts), the same way
 * whatever the server's own conversion would do.
 */
export const PREFER = 'outlook.timezone="UTC", IdType="ImmutableId"';
/** Page size asked for delta and instance pages. */
export const DEFAULT_PAGE_SIZE = 100;

/** Query part that returns our stable-key property with an event. */
export const EXPAND = `$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${STABLE_KEY_PROPERTY}')`)}`;

export interface LoadedItem {
  item: SideItem;
  /** The event (a single or a series master) as Graph holds it. */
  raw: GraphEvent;
  /** A series' instances over `span`. */
  instances?: GraphEvent[];
  span?: { from: Date; to: Date };
}

export interface ReaderOptions {
  graph: GraphConnection;
  /** `/users/{id or UPN}`. */
  user: string;
  mapping: MappingOptions;
  window: { from: Date; to: Date };
  pageSize?: number;
}

/** The version's changeKey: a series adds a digest of its exceptions after `~`. */
export function changeKeyOf(version: string): string {
  return version.split('~')[0]!;
}

function keyOf(ev: GraphEvent): string {
  return ev.changeKey || /^W\/"(.*)"$/.exec(ev['@odata.etag'] ?? '')?.[1] || ev.lastModifiedDateTime || '';
}

/** For If-Match: the etag Graph gave, else one made of the change key. */
export function etagOf(ev: GraphEvent): string {
  return ev['@odata.etag'] || `W/"${keyOf(ev)}"`;
}

export function pageOf(raw: unknown): { value: unknown[]; next?: string; delta?: string } {
  const p = raw as { value?: unknown; '@odata.nextLink'?: unknown; '@odata.deltaLink'?: unknown } | null;
  if (!p || !Array.isArray(p.value)) throw new Transient('Microsoft Graph sent a page without a value list');
  const link = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  return { value: p.value, next: link(p['@odata.nextLink']), delta: link(p['@odata.deltaLink']) };
}

export class ItemReader {
  readonly pageSize: number;
  constructor(private readonly o: ReaderOptions) {
    this.pageSize = o.pageSize ?? DEFAULT_PAGE_SIZE;
  }

  get user(): string {
    return this.o.user;
  }

  eventRequest(id: string): GraphRequest {
    return { url: `${this.o.user}/events/${encodeURIComponent(id)}?${EXPAND}`, headers: { Prefer: PREFER }, itemId: id };
  }

  private instancesRequest(id: string, span: { from: Date; to: Date }): GraphRequest {
    const q = `startDateTime=${span.from.toISOString()}&endDateTime=${span.to.toISOString()}`;
    return { url: `${this.o.user}/events/${encodeURIComponent(id)}/instances?${q}`, headers: { Prefer: `${PREFER}, odata.maxpagesize=${this.pageSize}` }, itemId: id };
  }

  /** Every instance of a series over `span`, following Graph's pages; `first` is a first page already fetched. */
  async instances(id: string, span: { from: Date; to: Date }, first?: unknown): Promise<GraphEvent[]> {
    const out: GraphEvent[] = [];
    let page = pageOf(first ?? (await this.o.graph.request(this.instancesRequest(id, span))));
    for (;;) {
      out.push(...page.value.map(parseGraphEvent));
      if (!page.next) return out;
      page = pageOf(await this.o.graph.request({ url: page.next, headers: { Prefer: `${PREFER}, odata.maxpagesize=${this.pageSize}` }, itemId: id }));
    }
  }

  /** The span a master's instances are read over. */
  spanOf(master: GraphEvent): { from: Date; to: Date } {
    return seriesSpan(masterFromGraph(master, this.o.mapping), seriesZone(master, this.o.mapping), this.o.window.to);
  }

  /** A single as an item, or a master with its instances; null for an occurrence (not an item of ours). */
  assemble(ev: GraphEvent, instances?: GraphEvent[], span?: { from: Date; to: Date }): LoadedItem | null {
    if (ev.type === 'occurrence' || ev.type === 'exception') return null;
    if (ev.type !== 'seriesMaster' || !instances || !span) {
      const item: SideItem = { id: ev.id, version: keyOf(ev), event: eventFromGraph(ev, this.o.mapping) };
      if (ev.lastModifiedDateTime) item.modifiedAt = new Date(ev.lastModifiedDateTime).toISOString();
      return { item, raw: ev };
    }
    const event = seriesFromGraph(ev, instances, span, this.o.mapping);
    // Graph may keep an exception's edit on the occurrence alone: the version covers them too.
    const marks = [
      ...instances.filter((i) => i.type === 'exception').map((i) => `${i.id}:${keyOf(i)}`),
      ...(event.recurrence?.exceptions ?? []).filter((x) => x.kind === 'cancelled').map((x) => `x:${x.originalStart}`),
    ].sort();
    const version = marks.length ? `${keyOf(ev)}~${createHash('sha256').update(marks.join('\n')).digest('base64url').slice(0, 16)}` : keyOf(ev);
    const modified = [ev, ...instances.filter((i) => i.type === 'exception')].map((e) => Date.parse(e.lastModifiedDateTime ?? '')).filter((t) => !Number.isNaN(t));
    const item: SideItem = { id: ev.id, version, event };
    if (modified.length) item.modifiedAt = new Date(Math.max(...modified)).toISOString();
    return { item, raw: ev, instances, span };
  }

  /** Events read by id (a batch per 20); absent from the map when gone. */
  async events(ids: readonly string[]): Promise<Map<string, GraphEvent>> {
    const out = new Map<string, GraphEvent>();
    const unique = [...new Set(ids)];
    if (unique.length === 1) {
      try {
        out.set(unique[0]!, parseGraphEvent(await this.o.graph.request(this.eventRequest(unique[0]!))));
      } catch (err) {
        if (!(err instanceof NotFound)) throw err;
      }
      return out;
    }
    const results = await this.o.graph.batch(unique.map((id) => this.eventRequest(id)));
    results.forEach((r, i) => {
      if (r.ok) out.set(unique[i]!, parseGraphEvent(r.body));
      else if (!(r.error instanceof NotFound)) throw r.error;
    });
    return out;
  }

  /** Items for events already read: a master's first page of instances comes in batches of 20. */
  async items(events: readonly GraphEvent[]): Promise<Map<string, LoadedItem>> {
    const out = new Map<string, LoadedItem>();
    const masters = events.filter((e) => e.type === 'seriesMaster');
    for (const e of events) {
      if (e.type === 'seriesMaster') continue;
      const loaded = this.assemble(e);
      if (loaded) out.set(e.id, loaded);
    }
    const spans = masters.map((m) => this.spanOf(m));
    let firsts: BatchResult[] | undefined;
    if (masters.length > 1) firsts = await this.o.graph.batch(masters.map((m, i) => this.instancesRequest(m.id, spans[i]!)));
    for (const [i, m] of masters.entries()) {
      const first = firsts?.[i];
      if (first && !first.ok) {
        if (first.error instanceof NotFound) continue;
        throw first.error;
      }
      let instances: GraphEvent[];
      try {
        instances = await this.instances(m.id, spans[i]!, first?.body);
      } catch (err) {
        if (err instanceof NotFound) continue; // deleted since it was read
        throw err;
      }
      const loaded = this.assemble(m, instances, spans[i]);
      if (loaded) out.set(m.id, loaded);
    }
    return out;
  }

  async loadMany(ids: readonly string[]): Promise<Map<string, LoadedItem>> {
    return this.items([...(await this.events(ids)).values()]);
  }

  async load(id: string): Promise<LoadedItem | null> {
    return (await this.loadMany([id])).get(id) ?? null;
  }
}
