// The appointment table's behaviour: create (a recurring one becomes one row per occurrence sharing a
// recurrenceRuleId, at the first one's wall-clock time in the tenant's base zone), update and delete
// with the recurrence UpdateMode, UpdatedDate stamped in UTC on every change. Every change, whoever makes it, is reported to `onChange`, which feeds the webhook
// dispatcher.
import { applyAppointmentInput, appointmentEntity, blankRow, type EntityContext } from './appointment-entity.ts';
import { notFound } from './errors.ts';
import { occurrenceDays, readRecurrence, wallDay } from './recurrence.ts';
import { fromWallTime, wallTime } from './time-zone.ts';
import type { ApiStore, AppointmentRow, RecurrenceRule, TenantData } from './store.ts';
import type { Json } from './wire.ts';

type ActivityEventKind = 'created' | 'changed' | 'deleted';

export interface AppointmentChange {
  kind: ActivityEventKind;
  /** The row before the change (changed, deleted). */
  before?: AppointmentRow;
  /** The row after the change (created, changed). */
  after?: AppointmentRow;
  changedBy: number;
}

/** RECURRENCE_UPDATE_MODE values. */
export const UPDATE_MODE = { OnlyThis: 1, ThisAndForward: 2, StopRecurrence: 9 } as const;

export class Appointments {
  constructor(
    private readonly store: ApiStore,
    private readonly now: () => Date,
    private readonly onChange: (ctx: string, changes: AppointmentChange[]) => void,
  ) {}

  get(ctx: string, id: number): AppointmentRow | undefined {
    return this.store.tenant(ctx).appointments.get(id);
  }

  require(ctx: string, id: number): AppointmentRow {
    const row = this.get(ctx, id);
    if (!row) throw notFound('Appointment', id);
    return row;
  }

  all(ctx: string): AppointmentRow[] {
    return [...this.store.tenant(ctx).appointments.values()].sort((a, b) => a.appointmentId - b.appointmentId);
  }

  /** Last modification as HTTP sees it: Updated, or Registered for a row never updated. */
  lastModified(row: AppointmentRow): Date {
    return row.updated ?? row.registered;
  }

  defaultRow(associateId: number): AppointmentRow {
    return blankRow(associateId, this.now());
  }

  entity(c: EntityContext, row: AppointmentRow, apiBase: string): Json {
    const t = this.store.tenant(c.ctx);
    const rule = row.recurrenceRuleId ? t.rules.get(row.recurrenceRuleId) : undefined;
    const dates = rule ? this.seriesRows(t, rule.recurrenceRuleId).map((r) => r.start) : [];
    return appointmentEntity(row, { rule, dates, baseZone: t.baseZone }, c, `${apiBase}v1/Appointment/${row.appointmentId}`);
  }

  /** Creates from a client body. `emit` false is for seeding, which is initial state, not a change. */
  create(c: EntityContext, actor: number, body: unknown, emit = true): AppointmentRow {
    const t = this.store.tenant(c.ctx);
    const { row, recurrence } = applyAppointmentInput(blankRow(actor, this.now()), body, c);
    const rows = [this.insert(t, row, actor)];
    const spec = readRecurrence(recurrence, row, c.view, t.baseZone);
    if (spec) rows.push(...this.makeSeries(t, rows[0]!, spec, actor));
    if (emit) this.onChange(c.ctx, rows.map((r) => ({ kind: 'created', after: r, changedBy: actor })));
    return rows[0]!;
  }

  update(c: EntityContext, actor: number, id: number, body: unknown, mode: number = UPDATE_MODE.OnlyThis): AppointmentRow {
    const t = this.store.tenant(c.ctx);
    const before = t.appointments.get(id);
    if (!before) throw notFound('Appointment', id);
    const { row: applied, recurrence } = applyAppointmentInput(before, body, c);
    const changes: AppointmentChange[] = [];
    const stamp = (old: AppointmentRow, next: AppointmentRow) => {
      const saved: AppointmentRow = { ...next, updated: this.now(), updatedAssociateId: actor, updatedCount: old.updatedCount + 1 };
      t.appointments.set(saved.appointmentId, saved);
      changes.push({ kind: 'changed', before: old, after: saved, changedBy: actor });
      return saved;
    };
    const rule = before.recurrenceRuleId ? t.rules.get(before.recurrenceRuleId) : undefined;
    const later = rule ? this.seriesRows(t, rule.recurrenceRuleId).filter((r) => r.start > before.start) : [];
    const saved = stamp(before, applied);
    if (rule && mode === UPDATE_MODE.ThisAndForward) {
      // Later occurrences take the same field changes and the same shift in (base-zone wall) time.
      const wall = (d: Date) => wallTime(d, t.baseZone);
      const shiftStart = wall(applied.start) - wall(before.start);
      const shiftEnd = wall(applied.end) - wall(before.end);
      const changed = (Object.keys(applied) as (keyof AppointmentRow)[]).filter(
        (k) => !['start', 'end', 'appointmentId'].includes(k) && JSON.stringify(applied[k]) !== JSON.stringify(before[k]),
      );
      for (const next of later) {
        const copy: AppointmentRow = {
          ...next, start: fromWallTime(wall(next.start) + shiftStart, t.baseZone), end: fromWallTime(wall(next.end) + shiftEnd, t.baseZone),
        };
        for (const k of changed) (copy as unknown as Record<string, unknown>)[k] = applied[k];
        stamp(next, copy);
      }
    } else if (rule && mode === UPDATE_MODE.StopRecurrence) {
      changes.push(...this.cutSeries(t, rule, before.start, actor));
    } else if (!rule) {
      const spec = readRecurrence(recurrence, saved, c.view, t.baseZone);
      if (spec) changes.push(...this.makeSeries(t, saved, spec, actor).map((r) => ({ kind: 'created' as const, after: r, changedBy: actor })));
    }
    this.onChange(c.ctx, changes);
    return t.appointments.get(id)!;
  }

  /** OnlyThis deletes the row; ThisAndForward also the later occurrences; StopRecurrence only those. */
  delete(ctx: string, actor: number, id: number, mode: number = UPDATE_MODE.OnlyThis): void {
    const t = this.store.tenant(ctx);
    const row = t.appointments.get(id);
    if (!row) throw notFound('Appointment', id);
    const rule = row.recurrenceRuleId ? t.rules.get(row.recurrenceRuleId) : undefined;
    const changes: AppointmentChange[] = [];
    if (mode !== UPDATE_MODE.StopRecurrence || !rule) {
      t.appointments.delete(id);
      changes.push({ kind: 'deleted', before: row, changedBy: actor });
    }
    if (rule && mode !== UPDATE_MODE.OnlyThis) changes.push(...this.cutSeries(t, rule, row.start, actor));
    this.onChange(ctx, changes);
  }

  private insert(t: TenantData, row: AppointmentRow, actor: number): AppointmentRow {
    const saved: AppointmentRow = {
      ...row, appointmentId: t.nextId.appointment++, registered: this.now(), registeredAssociateId: actor,
      updated: null, updatedAssociateId: 0, updatedCount: 0,
    };
    t.appointments.set(saved.appointmentId, saved);
    return saved;
  }

  private seriesRows(t: TenantData, ruleId: number): AppointmentRow[] {
    return [...t.appointments.values()].filter((r) => r.recurrenceRuleId === ruleId).sort((a, b) => a.start.getTime() - b.start.getTime());
  }

  /** Turns `first` into the first occurrence of a new rule and inserts the other occurrences. */
  private makeSeries(t: TenantData, first: AppointmentRow, spec: Omit<RecurrenceRule, 'recurrenceRuleId'>, actor: number): AppointmentRow[] {
    const rule: RecurrenceRule = { ...spec, recurrenceRuleId: t.nextId.rule++ };
    t.rules.set(rule.recurrenceRuleId, rule);
    first.recurrenceRuleId = rule.recurrenceRuleId;
    // Wall-clock arithmetic in the base zone: 09:00 stays 09:00 after a DST change.
    const zone = t.baseZone;
    const firstDay = wallDay(first.start, zone);
    const timeOfDay = wallTime(first.start, zone) - firstDay;
    const length = wallTime(first.end, zone) - wallTime(first.start, zone);
    return occurrenceDays(spec, zone)
      .filter((day) => day !== firstDay)
      .map((day) => this.insert(t, { ...first, start: fromWallTime(day + timeOfDay, zone), end: fromWallTime(day + timeOfDay + length, zone) }, actor));
  }

  /** Ends the series at `from`: later occurrences are deleted and the rule's end moves back. */
  private cutSeries(t: TenantData, rule: RecurrenceRule, from: Date, actor: number): AppointmentChange[] {
    const later = this.seriesRows(t, rule.recurrenceRuleId).filter((r) => r.start > from);
    for (const r of later) t.appointments.delete(r.appointmentId);
    t.rules.set(rule.recurrenceRuleId, { ...rule, end: from, endType: 1 });
    return later.map((r) => ({ kind: 'deleted', before: r, changedBy: actor }));
  }
}
