// Archive providers (specs/superoffice.md 6.4): FindAppointment, and the user and person lists of
// people-archives.ts. Each has an agent form (GetArchiveListByColumns2, rows of ColumnData with
// NetServer's self-describing DisplayValues such as "[I:63]") and a REST form (`GET archive/{name}`,
// `GET Appointment?$select...` for FindAppointment; OData rows with plain values). Paging is by
// page/pageSize or $top/$skip, in SortOrder (default: primary key). updatedDate is 0001-01-01 until
// a row's first update, as in the database, so "changed since T" must also ask registeredDate to
// see new rows.
import type { Request, Response, Router } from 'express';
import { principalOf, type ApiContext } from './context.ts';
import { SoApiError } from './errors.ts';
import { dateOnlyMatches, matches, parseFilter, passes, terms } from './archive-restrictions.ts';
import { ALL_USERS, SIMPLE_PERSON } from './people-archives.ts';
import type { AppointmentRow } from './store.ts';
import { formatDate, formatUtc, parseDate, timeZoneOf, wallTime, type TimeZoneView } from './time-zone.ts';
import { APPOINTMENT_TYPE, enumName, int, pick, queryParam, str, type Json } from './wire.ts';

type Value = number | string | Date | null;

interface Column<R> {
  get: (r: R) => Value;
  /** Created/updated dates are UTC whatever SO-TimeZone says. */
  utc?: boolean;
  /** Restriction type `date`: only the date part is used (archive-restrictions.ts). */
  date?: boolean;
}

/** One archive provider: its rows (EntityName `entity`, PrimaryKey `key`) and their columns. */
export interface ArchiveDefinition<R> {
  name: string;
  entity: string;
  /** The primary key's column: the default column and sort order. */
  keyColumn: string;
  key: (r: R) => number;
  rows: (api: ApiContext, ctx: string) => R[];
  /** By lower-case name. */
  columns: Record<string, Column<R>>;
}

interface Query {
  columns: string[];
  restrictions: string;
  sortOrder: string;
  skip: number;
  take: number;
}

interface Cell {
  name: string;
  value: Value;
  utc: boolean;
}

/** A provider with its row type closed over: what the routes need. */
interface Provider {
  name: string;
  entity: string;
  list(api: ApiContext, ctx: string, view: TimeZoneView, q: Query): { key: number; cells: Cell[] }[];
}

const FIND_APPOINTMENT: ArchiveDefinition<AppointmentRow> = {
  name: 'FindAppointment',
  entity: 'appointment',
  keyColumn: 'appointmentId',
  key: (r) => r.appointmentId,
  rows: (api, ctx) => api.appointments.all(ctx),
  columns: {
    appointmentid: { get: (r) => r.appointmentId },
    associateid: { get: (r) => r.associateId },
    contactid: { get: (r) => r.contactId },
    personid: { get: (r) => r.personId },
    projectid: { get: (r) => r.projectId },
    saleid: { get: (r) => r.saleId },
    date: { get: (r) => r.start, date: true },
    enddate: { get: (r) => r.end, date: true },
    updateddate: { get: (r) => r.updated, utc: true, date: true },
    registereddate: { get: (r) => r.registered, utc: true, date: true },
    recurrenceruleid: { get: (r) => r.recurrenceRuleId },
    rawtype: { get: (r) => r.type },
    type: { get: (r) => enumName(r.type, APPOINTMENT_TYPE) },
    rawstatus: { get: (r) => r.status },
    text: { get: (r) => r.description },
    location: { get: (r) => r.location },
    title: { get: (r) => r.title },
  },
};

function provider<R>(d: ArchiveDefinition<R>): Provider {
  const column = (name: string): Column<R> => {
    const c = d.columns[name.toLowerCase()];
    if (!c) throw new SoApiError(400, 'ArgumentException', `${d.name} has no column '${name}' in this simulator`);
    return c;
  };
  return {
    name: d.name,
    entity: d.entity,
    list(api, ctx, view, q) {
      const filter = parseFilter(q.restrictions);
      const columns = q.columns.length ? q.columns : [d.keyColumn];
      for (const c of [...columns, ...terms(filter).map((t) => t.column)]) column(c);
      const sorts = q.sortOrder.split(',').map((s) => s.trim().split(/\s+/)).filter((p) => p[0]);
      for (const [name = ''] of sorts) column(name);
      const dateOnly = (api.deps.archiveDates?.() ?? 'date-only') === 'date-only';
      const zone = api.store.tenant(ctx).baseZone;
      const dayOf = (v: Date) => new Date(wallTime(v, zone)).toISOString().slice(0, 10);
      const rows = d.rows(api, ctx).filter((row) =>
        passes(filter, (t) => {
          const c = column(t.column);
          const v = c.get(row);
          if (dateOnly && c.date && (v === null || v instanceof Date)) return dateOnlyMatches(v, t, dayOf);
          const toInstant = (s: string) => (parseDate(s, c.utc ? { zone: 'UTC', includeOffset: false } : view, t.column) ?? new Date(-62135596800000)).getTime();
          return matches(v, t, toInstant);
        }));
      const key = (v: Value) => (v instanceof Date ? v.getTime() : v === null ? -Infinity : v);
      rows.sort((a, b) => {
        for (const [name = '', dir = 'asc'] of sorts) {
          const c = column(name);
          const x = key(c.get(a));
          const y = key(c.get(b));
          if (x !== y) return (x < y ? -1 : 1) * (dir.toLowerCase() === 'desc' ? -1 : 1);
        }
        return d.key(a) - d.key(b);
      });
      return rows.slice(q.skip, q.skip + q.take).map((row) => ({
        key: d.key(row),
        cells: columns.map((name) => {
          const c = column(name);
          return { name, value: c.get(row), utc: c.utc === true };
        }),
      }));
    },
  };
}

const PROVIDERS = new Map([provider(FIND_APPOINTMENT), provider(ALL_USERS), provider(SIMPLE_PERSON)].map((p) => [p.name.toLowerCase(), p]));

function providerNamed(name: string): Provider {
  const p = PROVIDERS.get(name.toLowerCase());
  if (!p) throw new SoApiError(400, 'ArgumentException', `Archive provider '${name}' is not simulated`);
  return p;
}

/** NetServer's encoded display value: [I:63], [DT:MM/dd/yyyy HH:mm:ss.fffffff], plain text. */
function displayValue(v: Value, utc: boolean, view: TimeZoneView): string {
  if (typeof v === 'number') return `[I:${v}]`;
  if (typeof v === 'string') return v;
  const text = utc ? formatUtc(v, { zone: 'UTC', includeOffset: false }) : formatDate(v ?? new Date(-62135596800000), { ...view, includeOffset: false });
  const [date = '', time = ''] = text.split('T');
  const [y, m, d] = date.split('-');
  return `[DT:${m}/${d}/${y} ${time}.0000000]`;
}

function plainValue(v: Value, utc: boolean, view: TimeZoneView): unknown {
  if (v instanceof Date || v === null) return utc ? formatUtc(v, { zone: 'UTC', includeOffset: true }) : formatDate(v ?? new Date(0), view);
  return v;
}

function split(list: string): string[] {
  return list.split(',').map((c) => c.trim()).filter(Boolean);
}

export function mountArchive(r: Router, api: ApiContext): void {
  r.post('/Agents/Archive/GetArchiveListByColumns2', (req, res) => {
    const p = providerNamed(str(pick(req.body, 'ProviderName') ?? '', 'ProviderName'));
    const ctx = principalOf(res).ctx;
    const view = timeZoneOf(req, api.store.tenant(ctx).baseZone);
    const page = int(pick(req.body, 'Page') ?? 0, 'Page');
    const pageSize = int(pick(req.body, 'PageSize') ?? 50, 'PageSize');
    if (pageSize <= 0) throw new SoApiError(400, 'ArgumentException', 'PageSize must be positive');
    const rows = p.list(api, ctx, view, {
      columns: split(str(pick(req.body, 'Columns') ?? '', 'Columns')),
      restrictions: str(pick(req.body, 'Restrictions') ?? '', 'Restrictions'),
      sortOrder: str(pick(req.body, 'SortOrder') ?? '', 'SortOrder'),
      // A negative page is a number of rows to skip.
      skip: page < 0 ? -page : page * pageSize,
      take: pageSize,
    });
    res.json(rows.map((row) => ({
      EntityName: p.entity,
      PrimaryKey: row.key,
      ColumnData: Object.fromEntries(row.cells.map((c) => [c.name, { DisplayValue: displayValue(c.value, c.utc, view), TooltipHint: '', LinkHint: '' }])),
      LinkHint: '',
      StyleHint: '',
      TableRight: null,
      FieldProperties: {},
    })));
  });

  const odata = (p: Provider, req: Request, res: Response) => {
    const ctx = principalOf(res).ctx;
    const view = timeZoneOf(req, api.store.tenant(ctx).baseZone);
    const qp = (n: string) => queryParam(req.query, n);
    const top = Number(qp('$top') ?? 50);
    const skip = Number(qp('$skip') ?? 0);
    if (!Number.isInteger(top) || top <= 0 || !Number.isInteger(skip) || skip < 0) {
      throw new SoApiError(400, 'ArgumentException', '$top and $skip must be non-negative integers');
    }
    const rows = p.list(api, ctx, view, { columns: split(qp('$select') ?? ''), restrictions: qp('$filter') ?? '', sortOrder: qp('$orderBy') ?? '', skip, take: top + 1 });
    const more = rows.length > top;
    const self = new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
    const body: Json = {
      'odata.metadata': `${self.origin}${self.pathname}/$metadata`,
      value: rows.slice(0, top).map((row) => ({
        PrimaryKey: row.key,
        EntityName: p.entity,
        ...Object.fromEntries(row.cells.map((c) => [c.name, plainValue(c.value, c.utc, view)])),
      })),
    };
    if (more) {
      self.searchParams.set('$skip', String(skip + top));
      self.searchParams.set('$top', String(top));
      body['odata.nextLink'] = self.toString();
    }
    res.json(body);
  };
  r.get('/archive/:provider', (req, res) => odata(providerNamed(String((req.params as { provider?: string }).provider ?? '')), req, res));
  r.get('/Appointment', (req, res) => odata(providerNamed(FIND_APPOINTMENT.name), req, res));
}
