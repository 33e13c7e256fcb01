// The FindAppointment archive provider (specs/superoffice.md 6.4): the agent form
// (GetArchiveListByColumns2, rows of ColumnData with NetServer's self-describing DisplayValues such
// as "[I:63]") and the REST forms (`GET archive/FindAppointment`, `GET Appointment?$select...`, OData
// rows with plain values). Paging is by page/pageSize or $top/$skip, in SortOrder (default: primary
// key). updatedDate is 0001-01-01 until a row's first update, as in the database, so "changed since
// T" must also ask registeredDate to see new rows.
import type { Request, Response, Router } from 'express';
import { principalOf, type ApiContext } from './context.ts';
import { SoApiError } from './errors.ts';
import { matches, parseRestrictions } from './archive-restrictions.ts';
import type { AppointmentRow } from './store.ts';
import { formatDate, formatUtc, parseDate, timeZoneOf, type TimeZoneView } from './time-zone.ts';
import { APPOINTMENT_TYPE, enumName, int, pick, queryParam, str, type Json } from './wire.ts';

type Value = number | string | Date | null;
interface Column {
  get: (r: AppointmentRow) => Value;
  /** Created/updated dates are UTC whatever SO-TimeZone says. */
  utc?: boolean;
}

const COLUMNS: Record<string, Column> = {
  appointmentid: { get: (r) => r.appointmentId },
  associateid: { get: (r) => r.associateId },
  contactid: { get: (r) => r.contactId },
  personid: { get: (r) => r.personId },
  projectid: { get: (r) => r.projectId },
  saleid: { get: (r) => r.saleId },
  date: { get: (r) => r.start },
  enddate: { get: (r) => r.end },
  updateddate: { get: (r) => r.updated, utc: true },
  registereddate: { get: (r) => r.registered, utc: true },
  recurrenceruleid: { get: (r) => r.recurrenceRuleId },
  rawtype: { get: (r) => r.type },
  type: { get: (r) => enumName(r.type, APPOINTMENT_TYPE) },
  rawstatus: { get: (r) => r.status },
  text: { get: (r) => r.description },
  location: { get: (r) => r.location },
  title: { get: (r) => r.title },
};

function column(name: string): Column {
  const c = COLUMNS[name.toLowerCase()];
  if (!c) throw new SoApiError(400, 'ArgumentException', `FindAppointment has no column '${name}' in this simulator`);
  return c;
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

interface Query {
  columns: string[];
  restrictions: string;
  sortOrder: string;
  skip: number;
  take: number;
}

function run(api: ApiContext, req: Request, res: Response, q: Query): AppointmentRow[] {
  const view = timeZoneOf(req, api.store.tenant(principalOf(res).ctx).baseZone);
  const rs = parseRestrictions(q.restrictions);
  for (const c of q.columns) column(c);
  let rows = api.appointments.all(principalOf(res).ctx);
  for (const r of rs) {
    const c = column(r.column);
    const toInstant = (s: string) => (parseDate(s, c.utc ? { zone: 'UTC', includeOffset: false } : view, r.column) ?? new Date(-62135596800000)).getTime();
    rows = rows.filter((row) => matches(c.get(row), r, toInstant));
  }
  const sorts = (q.sortOrder || 'appointmentId').split(',').map((s) => s.trim().split(/\s+/)).filter((p) => p[0]);
  const key = (v: Value) => (v instanceof Date ? v.getTime() : v === null ? -Infinity : v);
  rows.sort((a, b) => {
    for (const [name = '', dir = 'asc'] of sorts) {
      const c = column(name);
      const x = key(c.get(a));
      const y = key(c.get(b));
      if (x !== y) return (x < y ? -1 : 1) * (dir.toLowerCase() === 'desc' ? -1 : 1);
    }
    return a.appointmentId - b.appointmentId;
  });
  return rows.slice(q.skip, q.skip + q.take);
}

function split(list: string): string[] {
  return list.split(',').map((c) => c.trim()).filter(Boolean);
}

export function mountArchive(r: Router, api: ApiContext): void {
  r.post('/Agents/Archive/GetArchiveListByColumns2', (req, res) => {
    const provider = str(pick(req.body, 'ProviderName') ?? '', 'ProviderName');
    if (provider.toLowerCase() !== 'findappointment') {
      throw new SoApiError(400, 'ArgumentException', `Archive provider '${provider}' is not simulated`);
    }
    const view = timeZoneOf(req, api.store.tenant(principalOf(res).ctx).baseZone);
    const page = int(pick(req.body, 'Page') ?? 0, 'Page');
    const pageSize = int(pick(req.body, 'PageSize') ?? 50, 'PageSize');
    if (pageSize <= 0) throw new SoApiError(400, 'ArgumentException', 'PageSize must be positive');
    const columns = split(str(pick(req.body, 'Columns') ?? 'appointmentId', 'Columns'));
    const rows = run(api, req, res, {
      columns,
      restrictions: str(pick(req.body, 'Restrictions') ?? '', 'Restrictions'),
      sortOrder: str(pick(req.body, 'SortOrder') ?? '', 'SortOrder'),
      // A negative page is a number of rows to skip.
      skip: page < 0 ? -page : page * pageSize,
      take: pageSize,
    });
    res.json(rows.map((row) => ({
      EntityName: 'appointment',
      PrimaryKey: row.appointmentId,
      ColumnData: Object.fromEntries(columns.map((name) => {
        const c = column(name);
        return [name, { DisplayValue: displayValue(c.get(row), c.utc === true, view), TooltipHint: '', LinkHint: '' }];
      })),
      LinkHint: '',
      StyleHint: '',
      TableRight: null,
      FieldProperties: {},
    })));
  });

  const odata = (req: Request, res: Response) => {
    const view = timeZoneOf(req, api.store.tenant(principalOf(res).ctx).baseZone);
    const qp = (n: string) => queryParam(req.query, n);
    const top = Number(qp('$top') ?? 50);
    const skip = Number(qp('$skip') ?? 0);
    if (!Number.isInteger(top) || top <= 0 || !Number.isInteger(skip) || skip < 0) {
      throw new SoApiError(400, 'ArgumentException', '$top and $skip must be non-negative integers');
    }
    const columns = split(qp('$select') ?? 'appointmentId');
    const rows = run(api, req, res, { columns, restrictions: qp('$filter') ?? '', sortOrder: qp('$orderBy') ?? '', skip, take: top + 1 });
    const more = rows.length > top;
    const self = new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
    const body: Json = {
      'odata.metadata': `${self.origin}${self.pathname}/$metadata`,
      value: rows.slice(0, top).map((row) => ({
        PrimaryKey: row.appointmentId,
        EntityName: 'appointment',
        ...Object.fromEntries(columns.map((name) => {
          const c = column(name);
          return [name, plainValue(c.get(row), c.utc === true, view)];
        })),
      })),
    };
    if (more) {
      self.searchParams.set('$skip', String(skip + top));
      self.searchParams.set('$top', String(top));
      body['odata.nextLink'] = self.toString();
    }
    res.json(body);
  };
  r.get('/archive/FindAppointment', odata);
  r.get('/Appointment', odata);
}
