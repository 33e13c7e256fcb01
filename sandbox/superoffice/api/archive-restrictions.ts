// The archive restriction string (`associateId = 5 and updatedDate afterTime '2024-01-01T00:00:00'`),
// also used as the OData `$filter`. Terms join with `and`, `or` and parentheses, `and` binding
// tighter (NetServer 7.0 and later). Operators: = eq ne <> < lt <= le > gt >= ge,
// afterTime/beforeTime, after/before/date (whole days), between/dateBetween, oneOf/in,
// associateIsOneOf, and for text is/isNot, begins/notBegins, contains/notContains. A date without an
// offset is wall time in the caller's SO-TimeZone.
//
// Columns of restriction type `date` (FindAppointment's date, endDate, updatedDate, registeredDate)
// use "only the date part" ("Archive provider restriction types",
// docs/en/api/archive-providers/restriction-types.md; the column types in
// docs/en/api/archive-providers/reference/findappointment.md). That is the default here
// (`dateOnlyMatches`): the value must read `yyyy-MM-ddTHH:mm:ss` as in the documents' samples, and
// its date is compared with the row's date in the tenant's zone. afterTime is "after or equal"
// (the operator table's wording for datetime columns). The `precise` setting keeps the instant
// comparison below, to the millisecond, for experiments with a server that honours the time.
import { SoApiError } from './errors.ts';

export interface Restriction {
  column: string;
  operator: string;
  values: string[];
}

const TOKEN = /\s*(?:('(?:[^']|'')*'|"(?:[^"]|"")*")|(<=|>=|<>|!=|=|<|>|\(|\)|,)|([^\s'"(),=<>!]+))/y;

function tokenize(text: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (TOKEN.lastIndex < text.length && (m = TOKEN.exec(text))) {
    const tok = m[1] ?? m[2] ?? m[3];
    if (tok !== undefined) out.push(tok);
  }
  if (text.slice(TOKEN.lastIndex).trim()) throw new SoApiError(400, 'ArgumentException', `Cannot parse restriction near '${text.slice(TOKEN.lastIndex)}'`);
  return out;
}

function unquote(t: string): string {
  if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
  if (t.startsWith('"')) return t.slice(1, -1).replace(/""/g, '"');
  return t;
}

/** A parsed restriction: one term, or terms that must all (and) or any (or) hold. */
export type Filter = Restriction | { and: Filter[] } | { or: Filter[] };

export function parseFilter(text: string | undefined): Filter | null {
  if (!text || !text.trim()) return null;
  const toks = tokenize(text);
  let i = 0;
  const next = () => {
    const t = toks[i++];
    if (t === undefined) throw new SoApiError(400, 'ArgumentException', `Restriction ends too early: '${text}'`);
    return t;
  };
  const peekWord = () => toks[i]?.toLowerCase();
  const list = () => {
    const values: string[] = [];
    if (toks[i] !== '(') return [unquote(next())];
    i++;
    while (toks[i] !== ')') {
      values.push(unquote(next()));
      if (toks[i] === ',') i++;
    }
    i++;
    return values;
  };
  const term = (): Filter => {
    if (toks[i] === '(') {
      i++;
      const inner = either();
      if (next() !== ')') throw new SoApiError(400, 'ArgumentException', `Unbalanced parentheses in '${text}'`);
      return inner;
    }
    const column = next();
    const operator = next().toLowerCase();
    let values: string[];
    if (operator === 'between' || operator === 'datebetween') {
      values = list();
      if (values.length === 1 && peekWord() === 'and') {
        i++;
        values.push(unquote(next()));
      }
      if (values.length !== 2) throw new SoApiError(400, 'ArgumentException', `${column} between needs two values`);
    } else if (['oneof', 'in', 'associateisoneof'].includes(operator)) {
      values = list();
    } else {
      values = [unquote(next())];
    }
    return { column, operator, values };
  };
  const all = (): Filter => {
    const parts = [term()];
    while (peekWord() === 'and') {
      i++;
      parts.push(term());
    }
    return parts.length === 1 ? parts[0]! : { and: parts };
  };
  const either = (): Filter => {
    const parts = [all()];
    while (peekWord() === 'or') {
      i++;
      parts.push(all());
    }
    return parts.length === 1 ? parts[0]! : { or: parts };
  };
  const f = either();
  if (i < toks.length) throw new SoApiError(400, 'ArgumentException', `Expected 'and' or 'or' before '${toks[i]}' in '${text}'`);
  return f;
}

/** Every term of the filter. */
export function terms(f: Filter | null): Restriction[] {
  if (!f) return [];
  if ('and' in f) return f.and.flatMap(terms);
  if ('or' in f) return f.or.flatMap(terms);
  return [f];
}

/** Whether a row passes the filter, given how one term judges it. */
export function passes(f: Filter | null, term: (r: Restriction) => boolean): boolean {
  if (!f) return true;
  if ('and' in f) return f.and.every((x) => passes(x, term));
  if ('or' in f) return f.or.some((x) => passes(x, term));
  return term(f);
}

const DAY = 86400000;

/** Compares a row value with a restriction; `toInstant` reads a date value in the caller's zone. */
export function matches(value: number | string | Date | null, r: Restriction, toInstant: (s: string) => number): boolean {
  const op = r.operator;
  if (value instanceof Date || value === null) {
    const t = value ? value.getTime() : -62135596800000; // 0001-01-01: never set
    const v = r.values.map(toInstant);
    const a = v[0] ?? 0;
    const day = (x: number) => Math.floor(x / DAY) * DAY;
    switch (op) {
      case 'aftertime': case 'ge': case '>=': return t >= a;
      case '>': case 'gt': return t > a;
      case 'beforetime': case '<': case 'lt': return t < a;
      case 'le': case '<=': return t <= a;
      case '=': case 'eq': return t === a;
      case 'ne': case '<>': case '!=': return t !== a;
      case 'after': return day(t) > day(a);
      case 'before': return day(t) < day(a);
      case 'date': return day(t) === day(a);
      case 'between': return t >= a && t <= (v[1] ?? a);
      case 'datebetween': return day(t) >= day(a) && day(t) <= day(v[1] ?? a);
      default: throw new SoApiError(400, 'ArgumentException', `Operator '${r.operator}' does not apply to dates`);
    }
  }
  if (typeof value === 'number') {
    const v = r.values.map(Number);
    if (v.some(Number.isNaN)) throw new SoApiError(400, 'ArgumentException', `${r.column} needs numbers`);
    const a = v[0] ?? 0;
    switch (op) {
      case '=': case 'eq': return value === a;
      case 'ne': case '<>': case '!=': return value !== a;
      case '>': case 'gt': return value > a;
      case '>=': case 'ge': return value >= a;
      case '<': case 'lt': return value < a;
      case '<=': case 'le': return value <= a;
      case 'between': return value >= a && value <= (v[1] ?? a);
      case 'oneof': case 'in': case 'associateisoneof': return v.includes(value);
      default: throw new SoApiError(400, 'ArgumentException', `Operator '${r.operator}' does not apply to numbers`);
    }
  }
  const s = value.toLowerCase();
  const a = (r.values[0] ?? '').toLowerCase();
  switch (op) {
    case '=': case 'eq': case 'is': return s === a;
    case 'ne': case '<>': case '!=': return s !== a;
    case 'isnot': return s !== a;
    case 'contains': return s.includes(a);
    case 'notcontains': return !s.includes(a);
    case 'begins': return s.startsWith(a);
    case 'notbegins': return !s.startsWith(a);
    case 'oneof': case 'in': return r.values.some((x) => x.toLowerCase() === s);
    default: throw new SoApiError(400, 'ArgumentException', `Operator '${r.operator}' does not apply to text`);
  }
}

/** How a simulated archive reads restrictions on its `date`-typed columns. */
export type ArchiveDateMode = 'date-only' | 'precise';

/** The documented value format of a date restriction (the samples' `yyyy-MM-ddThh:mm:ss`). */
const DATE_VALUE = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}$/;

/**
 * A `date`-typed column under the documented meaning: only the date part of the value is used, and
 * the row's date is its date in `zone` (the tenant's). `dayOf` gives a row instant's date there.
 */
export function dateOnlyMatches(value: Date | null, r: Restriction, dayOf: (d: Date) => string): boolean {
  const days = r.values.map((v) => {
    const m = DATE_VALUE.exec(v.trim());
    if (!m) throw new SoApiError(400, 'ArgumentException', `${r.column}: '${v}' is not a date of the form yyyy-MM-ddTHH:mm:ss`);
    return m[1]!;
  });
  const t = value ? dayOf(value) : '0001-01-01';
  const a = days[0] ?? '0001-01-01';
  const b = days[1] ?? a;
  switch (r.operator) {
    case 'aftertime': case 'ge': case '>=': return t >= a;
    case 'after': case '>': case 'gt': return t > a;
    case 'beforetime': case 'before': case '<': case 'lt': return t < a;
    case 'le': case '<=': return t <= a;
    case 'date': case 'datetime': case '=': case 'eq': return t === a;
    case 'ne': case '<>': case '!=': return t !== a;
    case 'between': case 'datebetween': return t >= a && t <= b;
    default: throw new SoApiError(400, 'ArgumentException', `Operator '${r.operator}' does not apply to dates`);
  }
}
