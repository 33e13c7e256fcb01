// The query options and Prefer values the calendar endpoints honour: $select, $top/$skip, $orderby,
// `$expand=singleValueExtendedProperties($filter=id eq '…')`, `$filter=singleValueExtendedProperties/
// Any(ep: ep/id eq '…' and ep/value eq '…')`, and Prefer `outlook.timezone`, `odata.maxpagesize`,
// `outlook.body-content-type`, `IdType` (as separate headers or comma-joined in one).
import { badRequest } from './errors.ts';
import type { ExtendedProperty } from './event-model.ts';
import { extKey } from './event-model.ts';
import { resolveZone } from './time-zone.ts';

export interface Prefer {
  /** IANA zone for arithmetic and the name to echo. */
  zone: string;
  zoneLabel: string;
  maxPageSize: number | null;
  bodyContentType: 'text' | 'html' | null;
  /** What went into Preference-Applied. */
  applied: string[];
}

/** Splits on commas outside double quotes. */
function splitPrefer(header: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

export function parsePrefer(header: string | undefined): Prefer {
  const p: Prefer = { zone: 'UTC', zoneLabel: 'UTC', maxPageSize: null, bodyContentType: null, applied: [] };
  for (const part of splitPrefer(header ?? '')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : part.slice(eq + 1).trim().replace(/^"|"$/g, '');
    if (name === 'outlook.timezone') {
      // An unknown zone is ignored (the answer stays in UTC) rather than refused.
      const iana = resolveZone(value);
      if (iana) {
        p.zone = iana;
        p.zoneLabel = value;
        p.applied.push(`outlook.timezone="${value}"`);
      }
    } else if (name === 'odata.maxpagesize') {
      const n = Number(value);
      if (Number.isInteger(n) && n > 0) {
        p.maxPageSize = n;
        p.applied.push(`odata.maxpagesize=${n}`);
      }
    } else if (name === 'outlook.body-content-type') {
      if (value.toLowerCase() === 'text' || value.toLowerCase() === 'html') {
        p.bodyContentType = value.toLowerCase() as 'text' | 'html';
        p.applied.push(`outlook.body-content-type="${p.bodyContentType}"`);
      }
    } else if (name === 'idtype') {
      // Ids here never change on a move, so ImmutableId ids are what every id already is.
      p.applied.push(`IdType="${value}"`);
    }
  }
  return p;
}

export function parseSelect(raw: string | undefined, known: readonly string[], type: string): Set<string> | null {
  if (raw === undefined || raw.trim() === '') return null;
  const out = new Set<string>();
  for (const name of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const hit = known.find((k) => k.toLowerCase() === name.toLowerCase());
    if (!hit) throw badRequest(`Could not find a property named '${name}' on type 'microsoft.graph.${type}'.`, 'RequestBroker--ParseUri');
    out.add(hit);
  }
  return out;
}

export function parseCount(raw: string | undefined, name: string, max: number): number | null {
  if (raw === undefined) return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`Invalid value '${raw}' for query option ${name}.`, 'BadRequest');
  return Math.min(n, max);
}

/** OData string literal: single quotes, '' for a quote inside. */
const LITERAL = String.raw`'((?:[^']|'')*)'`;
const unquote = (s: string) => s.replace(/''/g, "'");

/** `$expand=singleValueExtendedProperties($filter=id eq 'a' or id eq 'b')`: the ids (normalised) asked for, or 'all'. */
export function parseExpand(raw: string | undefined): Set<string> | 'all' | null {
  if (raw === undefined || raw.trim() === '') return null;
  const m = /^\s*singleValueExtendedProperties\s*(?:\(\s*\$filter\s*=\s*(.+)\)\s*)?$/i.exec(raw);
  if (!m) throw badRequest(`Parsing OData Select and Expand failed: '${raw}' cannot be expanded here (only singleValueExtendedProperties).`, 'BadRequest');
  if (!m[1]) return 'all';
  const ids = new Set<string>();
  for (const clause of m[1].split(/\s+or\s+/i)) {
    const c = new RegExp(String.raw`^\s*id\s+eq\s+${LITERAL}\s*$`, 'i').exec(clause);
    if (!c) throw badRequest(`Unsupported $expand filter '${m[1]}'.`, 'BadRequest');
    ids.add(extKey(unquote(c[1]!)));
  }
  return ids;
}

export type ExtPredicate = (ext: Map<string, ExtendedProperty>) => boolean;

/**
 * `$filter=singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…')`. Value tests:
 * eq, ne, contains(), startswith(); case-insensitive as Exchange compares strings.
 */
export function parseFilter(raw: string | undefined): ExtPredicate | null {
  if (raw === undefined || raw.trim() === '') return null;
  const m = /^\s*singleValueExtendedProperties\/any\s*\(\s*(\w+)\s*:\s*(.+)\)\s*$/i.exec(raw);
  if (!m) throw badRequest(`Invalid filter clause: '${raw}' is not supported here; only singleValueExtendedProperties/Any(...) is.`, 'ErrorInvalidUrlQueryFilter');
  const v = m[1]!;
  const parts = m[2]!.split(/\s+and\s+/i);
  const idClause = new RegExp(String.raw`^\s*${v}/id\s+eq\s+${LITERAL}\s*$`, 'i').exec(parts[0] ?? '');
  if (!idClause || parts.length > 2) throw badRequest(`Invalid filter clause: expected '${v}/id eq '…'' optionally followed by 'and' a value test.`, 'ErrorInvalidUrlQueryFilter');
  const key = extKey(unquote(idClause[1]!));
  if (!key) throw badRequest(`Invalid extended property id in filter: '${idClause[1]}'.`, 'ErrorInvalidUrlQueryFilter');
  let test: (value: string) => boolean = () => true;
  if (parts[1]) {
    const cmp = new RegExp(String.raw`^\s*${v}/value\s+(eq|ne)\s+${LITERAL}\s*$`, 'i').exec(parts[1]);
    const fn = new RegExp(String.raw`^\s*(contains|startswith)\s*\(\s*${v}/value\s*,\s*${LITERAL}\s*\)\s*$`, 'i').exec(parts[1]);
    if (cmp) {
      const want = unquote(cmp[2]!).toLowerCase();
      test = cmp[1]!.toLowerCase() === 'eq' ? (x) => x.toLowerCase() === want : (x) => x.toLowerCase() !== want;
    } else if (fn) {
      const want = unquote(fn[2]!).toLowerCase();
      test = fn[1]!.toLowerCase() === 'contains' ? (x) => x.toLowerCase().includes(want) : (x) => x.toLowerCase().startsWith(want);
    } else {
      throw badRequest(`Invalid filter clause: unsupported value test '${parts[1]}'.`, 'ErrorInvalidUrlQueryFilter');
    }
  }
  return (ext) => {
    const p = ext.get(key);
    return p !== undefined && test(p.value);
  };
}
