// Directory reads: GET /users (paged with an opaque $skiptoken, $select, a simple $filter) and
// GET /users/{id|userPrincipalName}. Users answer whether or not they have a mailbox; only calendar
// calls tell the difference.
import type { DirUser } from '../directory.ts';
import { checkUserRead, json, link, type GraphContext, type GraphRequest, type GraphResponse, type Route } from './context.ts';
import { badRequest, GraphError } from './errors.ts';
import { parseCount, parseSelect } from './odata.ts';

const DEFAULT_PROPERTIES = [
  'businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname',
  'userPrincipalName', 'id',
] as const;
const SELECTABLE = [...DEFAULT_PROPERTIES, 'accountEnabled', 'companyName', 'department', 'proxyAddresses', 'userType', 'mailNickname'] as const;

function userJson(ctx: GraphContext, u: DirUser, select: Set<string> | null): Record<string, unknown> {
  const all: Record<string, unknown> = {
    businessPhones: [], displayName: u.displayName, givenName: u.givenName, jobTitle: null, mail: u.mail, mobilePhone: null,
    officeLocation: null, preferredLanguage: u.preferredLanguage, surname: u.surname, userPrincipalName: u.userPrincipalName, id: u.id,
    accountEnabled: true, companyName: ctx.dir.tenantName, department: null, proxyAddresses: [`SMTP:${u.mail}`], userType: 'Member',
    mailNickname: u.userPrincipalName.split('@')[0],
  };
  const keys = select ? [...select] : DEFAULT_PROPERTIES;
  return Object.fromEntries(keys.map((k) => [k, all[k] ?? null]));
}

/** `$filter`: `prop eq 'value'` or `startswith(prop,'value')` on id, mail, userPrincipalName, displayName. */
function userFilter(raw: string | undefined): ((u: DirUser) => boolean) | null {
  if (!raw) return null;
  const props: Record<string, (u: DirUser) => string> = {
    id: (u) => u.id, mail: (u) => u.mail, userprincipalname: (u) => u.userPrincipalName, displayname: (u) => u.displayName,
  };
  const eq = /^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(raw);
  const sw = /^\s*startswith\s*\(\s*(\w+)\s*,\s*'((?:[^']|'')*)'\s*\)\s*$/i.exec(raw);
  const m = eq ?? sw;
  const get = m ? props[m[1]!.toLowerCase()] : undefined;
  if (!m || !get) throw badRequest(`Unsupported or invalid query filter clause specified for property: '${raw}'.`, 'Request_UnsupportedQuery');
  const want = m[2]!.replace(/''/g, "'").toLowerCase();
  return eq ? (u) => get(u).toLowerCase() === want : (u) => get(u).toLowerCase().startsWith(want);
}

function listUsers(ctx: GraphContext, req: GraphRequest): GraphResponse {
  checkUserRead(req, null);
  const select = parseSelect(req.query.get('$select') ?? undefined, SELECTABLE, 'user');
  const filter = userFilter(req.query.get('$filter') ?? undefined);
  const top = parseCount(req.query.get('$top') ?? undefined, '$top', 999) ?? ctx.settings.usersPageSize;
  if (top < 1) throw badRequest("Invalid page size specified: '0'. Must be between 1 and 999 inclusive.", 'Request_BadRequest');
  const token = req.query.get('$skiptoken');
  let offset = 0;
  if (token) {
    const n = Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^users:/, ''));
    if (!Number.isInteger(n) || n < 0) throw badRequest('Specified skip token is invalid.', 'Directory_ExpiredPageToken');
    offset = n;
  }
  const all = filter ? ctx.dir.users.filter(filter) : ctx.dir.users;
  const slice = all.slice(offset, offset + top);
  const body: Record<string, unknown> = {
    '@odata.context': `${ctx.graphBase()}/$metadata#users${select ? `(${[...select].join(',')})` : ''}`,
    value: slice.map((u) => userJson(ctx, u, select)),
  };
  if (offset + top < all.length) {
    const q: Record<string, string> = {};
    for (const [k, v] of req.query) if (k !== '$skiptoken') q[k] = v;
    q.$top = String(top);
    q.$skiptoken = Buffer.from(`users:${offset + top}`).toString('base64url');
    body['@odata.nextLink'] = link(ctx, '/users', q);
  }
  return json(200, body);
}

function getUser(ctx: GraphContext, req: GraphRequest): GraphResponse {
  const ref = req.params.user ?? '';
  const u = ctx.dir.user(ref);
  checkUserRead(req, u ?? null);
  if (!u) {
    throw new GraphError(404, 'Request_ResourceNotFound', `Resource '${ref}' does not exist or one of its queried reference-property objects are not present.`);
  }
  const select = parseSelect(req.query.get('$select') ?? undefined, SELECTABLE, 'user');
  return json(200, { '@odata.context': `${ctx.graphBase()}/$metadata#users/$entity`, ...userJson(ctx, u, select) });
}

export function userRoutes(ctx: GraphContext): Route[] {
  return [
    { method: 'GET', pattern: '/users', handler: (req) => listUsers(ctx, req) },
    { method: 'GET', pattern: '/users/:user', handler: (req) => getUser(ctx, req) },
  ];
}
