// calendarView/delta. The simulator keeps, per delta token, the sync state Exchange keeps: which
// instances the client has seen in the window and at which change key. A round compares the window
// now with that state: new or changed instances come back whole, occurrences and exceptions with the
// same properties a GET of the calendarView gives them (event-delta: "the same properties you'd
// normally get from a GET /calendarView"; delta-query-events: $select is not supported, so it is
// refused here and every item is the full set; the setting `deltaOccurrences: 'idOnly'` sends a
// series' instances as id and etag only, a shape to prove clients cope with less). Instances gone
// from the window (deleted, cancelled, or moved out) come back as `@removed: {reason: "deleted"}`.
// The round's answer is computed once and paged out with $skiptoken links; the last page's
// $deltatoken names the state for the next round.
//
// Tokens are opaque to clients but carry the window, so an evicted or expired one can still be
// answered with a Location to restart from: 410 Gone (code syncStateNotFound) or, as configured,
// 400 syncStateNotFound. States are evicted per mailbox beyond a limit and by the control API.
import { json, link, mailboxFor, simulatorOrigin, type GraphContext, type GraphRequest, type GraphResponse, type Route } from './context.ts';
import { badRequest, GraphError } from './errors.ts';
import { eventJson } from './event-json.ts';
import type { JsonObject } from './event-model.ts';
import { opaqueToken } from './ids.ts';
import { parseWindow } from './paging.ts';

interface Window {
  userId: string;
  calendarId: string;
  from: number;
  to: number;
}

interface DeltaState extends Window {
  snapshot: Map<string, string>;
}

interface PendingRound extends Window {
  items: JsonObject[];
  offset: number;
  next: Map<string, string>;
}

interface TokenBody {
  s: string;
  f: number;
  t: number;
}

const MAX_OPEN_ROUNDS = 10_000;
const UNSUPPORTED = ['$select', '$filter', '$expand', '$orderby', '$search', '$top', '$skip'];

function encode(id: string, w: Window): string {
  return Buffer.from(JSON.stringify({ s: id, f: w.from, t: w.to } satisfies TokenBody)).toString('base64url');
}

function decode(token: string): TokenBody | null {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenBody>;
    return typeof t.s === 'string' && typeof t.f === 'number' && typeof t.t === 'number' ? (t as TokenBody) : null;
  } catch {
    return null;
  }
}

export class DeltaStore {
  private readonly states = new Map<string, DeltaState>();
  private readonly rounds = new Map<string, PendingRound>();
  /** userId -> state ids, oldest first. */
  private readonly byUser = new Map<string, string[]>();

  constructor(private readonly ctx: GraphContext) {}

  /** Forgets the sync states (and rounds in progress) of one mailbox, or of all. */
  expire(userId?: string): number {
    let n = 0;
    for (const [id, s] of this.states) if (!userId || s.userId === userId) (this.states.delete(id), n++);
    for (const [id, r] of this.rounds) if (!userId || r.userId === userId) (this.rounds.delete(id), n++);
    if (userId) this.byUser.delete(userId);
    else this.byUser.clear();
    return n;
  }

  private keep(state: DeltaState): string {
    const id = opaqueToken();
    this.states.set(id, state);
    const ids = this.byUser.get(state.userId) ?? [];
    ids.push(id);
    while (ids.length > this.ctx.settings.maxDeltaStatesPerMailbox) this.states.delete(ids.shift()!);
    this.byUser.set(state.userId, ids);
    return id;
  }

  private expired(req: GraphRequest, body: TokenBody | null): GraphError {
    const message = 'The sync state for this delta token was not found or has expired. Restart the synchronization without a token.';
    if (this.ctx.settings.deltaTokenExpiry === 'syncStateNotFound') return new GraphError(400, 'syncStateNotFound', message);
    const restart: Record<string, string> = body ? { startDateTime: new Date(body.f).toISOString(), endDateTime: new Date(body.t).toISOString() } : {};
    return new GraphError(410, 'syncStateNotFound', message, { location: link(this.ctx, req.path, restart) });
  }

  handle(req: GraphRequest): GraphResponse {
    for (const k of UNSUPPORTED) {
      if (req.query.has(k)) {
        throw badRequest(`The following parameters are not supported with change tracking over the 'Events' resource: '${UNSUPPORTED.join(', ')}'.`, 'ErrorInvalidUrlQuery');
      }
    }
    const box = mailboxFor(this.ctx, req, false);
    const calendarId = box.calendar(req.params.cal ?? 'default').id;
    const skip = req.query.get('$skiptoken');
    const delta = req.query.get('$deltatoken');
    let round: PendingRound;
    let roundId: string;
    if (skip) {
      const body = decode(skip);
      const found = body ? this.rounds.get(body.s) : undefined;
      if (!body || !found || found.userId !== box.user.id || found.calendarId !== calendarId) throw this.expired(req, body);
      round = found;
      roundId = body.s;
    } else {
      let w: Window;
      let seen: Map<string, string>;
      if (delta) {
        const body = decode(delta);
        const state = body ? this.states.get(body.s) : undefined;
        if (!body || !state || state.userId !== box.user.id || state.calendarId !== calendarId) throw this.expired(req, body);
        w = state;
        seen = state.snapshot;
      } else {
        const { from, to } = parseWindow(req);
        w = { userId: box.user.id, calendarId, from, to };
        seen = new Map();
      }
      const now = box.deltaInstances(calendarId, w.from, w.to);
      const next = new Map(now.map((i) => [i.id, i.changeKey]));
      const items: JsonObject[] = [];
      const view = { prefer: req.prefer, select: null, expand: null, webOrigin: simulatorOrigin(this.ctx) };
      for (const inst of now) {
        if (seen.get(inst.id) === inst.changeKey) continue;
        const full = eventJson(inst, box, view);
        const lean = this.ctx.settings.deltaOccurrences === 'idOnly' && (inst.kind === 'occurrence' || inst.kind === 'exception');
        items.push({ '@odata.type': '#microsoft.graph.event', ...(lean ? { '@odata.etag': full['@odata.etag']!, id: inst.id } : full) });
      }
      for (const id of seen.keys()) {
        if (!next.has(id)) items.push({ '@odata.type': '#microsoft.graph.event', id, '@removed': { reason: 'deleted' } });
      }
      round = { userId: w.userId, calendarId, from: w.from, to: w.to, items, offset: 0, next };
      roundId = opaqueToken();
    }
    const size = Math.min(req.prefer.maxPageSize ?? this.ctx.settings.defaultPageSize, 1000);
    const value = round.items.slice(round.offset, round.offset + size);
    round.offset += value.length;
    const body: Record<string, unknown> = { '@odata.context': `${this.ctx.graphBase()}/$metadata#Collection(event)`, value };
    if (round.offset < round.items.length) {
      this.rounds.set(roundId, round);
      // Rounds a client abandons halfway would pile up; the oldest go first.
      for (const old of this.rounds.keys()) {
        if (this.rounds.size <= MAX_OPEN_ROUNDS) break;
        this.rounds.delete(old);
      }
      body['@odata.nextLink'] = link(this.ctx, req.path, { $skiptoken: encode(roundId, round) });
    } else {
      this.rounds.delete(roundId);
      const stateId = this.keep({ userId: round.userId, calendarId, from: round.from, to: round.to, snapshot: round.next });
      body['@odata.deltaLink'] = link(this.ctx, req.path, { $deltatoken: encode(stateId, round) });
    }
    return json(200, body);
  }
}

export function deltaRoutes(store: DeltaStore): Route[] {
  return ['/users/:user/calendarView/delta', '/users/:user/calendar/calendarView/delta', '/users/:user/calendars/:cal/calendarView/delta']
    .map((pattern) => ({ method: 'GET', pattern, handler: (req: GraphRequest) => store.handle(req) }));
}
