// Writing a series' exceptions onto its instances, after the master holds the series' content and
// rule: a changed occurrence is a PATCH of its instance (only the fields that differ), a cancelled
// one a DELETE. Graph cannot bring a deleted occurrence back, so a series that needs one again is
// replaced by the side (the answer 'replace'), as is done in Outlook by editing the whole series.
//
// The writes go one after another and without If-Match: each one renews the master's change key,
// which plain occurrences carry as theirs, so the etags read before the first write are stale by
// the second. The caller checked the series' version on the master just before.
import type { CalendarEvent } from '../../sync/event.ts';
import { NotFound, PreconditionFailed } from '../../sync/errors.ts';
import type { GraphConnection, GraphRequest } from './client.ts';
import { PREFER, type ItemReader } from './items.ts';
import { eventFromGraph, patchFor, seriesZone, type MappingOptions } from './mapping.ts';
import { occurrenceEvent, occurrenceKey, seriesSpan, slotsOf, spanWith } from './series.ts';

export interface SeriesWriterOptions {
  graph: GraphConnection;
  reader: ItemReader;
  mapping: MappingOptions;
  window: { from: Date; to: Date };
}

/** Makes the instances of series `masterId` hold `desired`'s exceptions. */
export async function writeExceptions(o: SeriesWriterOptions, masterId: string, desired: CalendarEvent): Promise<'done' | 'replace'> {
  const rec = desired.recurrence;
  if (!rec) return 'done';
  const master = (await o.reader.events([masterId])).get(masterId);
  if (!master) throw new NotFound(masterId);
  const zone = seriesZone(master, o.mapping);
  const whole = seriesSpan(desired, zone, o.window.to);
  const span = spanWith(rec.exceptions, whole.from, whole.to);
  const instances = await o.reader.instances(masterId, span);
  const allDay = desired.timing.allDay;
  const byKey = new Map(instances.filter((i) => i.originalStart).map((i) => [occurrenceKey(i.originalStart!, allDay, zone), i]));
  const wanted = new Map(rec.exceptions.map((x) => [occurrenceKey(x.originalStart, allDay, zone), x]));
  const writes: GraphRequest[] = [];
  for (const slot of slotsOf(desired, zone, span.from, span.to)) {
    if (slot.at < span.from.getTime() || slot.at >= span.to.getTime()) continue;
    const instance = byKey.get(slot.originalStart);
    const want = wanted.get(slot.originalStart);
    if (!instance) {
      if (want?.kind === 'cancelled') continue;
      return 'replace';
    }
    const url = `${o.reader.user}/events/${encodeURIComponent(instance.id)}`;
    if (want?.kind === 'cancelled') {
      writes.push({ method: 'DELETE', url, itemId: instance.id });
      continue;
    }
    const patch = patchFor(eventFromGraph(instance, o.mapping), occurrenceEvent(desired, slot.timing, want), instance, o.mapping);
    if (Object.keys(patch).length > 0) writes.push({ method: 'PATCH', url, headers: { Prefer: PREFER }, body: patch, itemId: instance.id });
  }
  for (const w of writes) {
    try {
      await o.graph.request(w);
    } catch (err) {
      // An occurrence already gone is as good as cancelled.
      if (err instanceof NotFound && w.method === 'DELETE') continue;
      // The engine re-reads the series it asked about, not one of its instances.
      if (err instanceof NotFound || err instanceof PreconditionFailed) throw new PreconditionFailed(masterId);
      throw err;
    }
  }
  return 'done';
}
