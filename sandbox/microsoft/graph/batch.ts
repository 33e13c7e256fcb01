// POST /$batch (https://learn.microsoft.com/graph/json-batching): at most 20 requests with unique
// ids and relative urls; each member runs through the whole pipeline as the batch's caller, so it
// is throttled (429 + Retry-After in its own headers), counted and delayed like any request. With
// `dependsOn` anywhere the members run one at a time in dependency order, and one whose dependency
// did not succeed answers 424; otherwise they run in parallel, at most 4 at a time per mailbox as
// Graph runs them. The envelope is 200 whatever the members answered.
import type { Principal } from '../identity/tokens.ts';
import { json, safeDecode, type GraphRequest, type GraphResponse, type Route } from './context.ts';
import { badRequest } from './errors.ts';
import type { GraphPipeline } from './pipeline.ts';

interface Member {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

const MAX = 20;
const PER_MAILBOX = 4;
const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];

function readMembers(body: unknown): Member[] {
  const requests = (body as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests)) throw badRequest('Invalid batch payload format: a "requests" array is required.');
  if (requests.length === 0) throw badRequest('Invalid batch payload format: the batch has no requests.');
  if (requests.length > MAX) throw badRequest(`Invalid batch payload format: the maximum number of requests in a batch is ${MAX}.`);
  const members = requests.map((r, i): Member => {
    const o = (r ?? {}) as Record<string, unknown>;
    if (typeof o.id !== 'string' || !o.id) throw badRequest(`Invalid batch payload format: request ${i} has no id.`);
    if (typeof o.method !== 'string' || !METHODS.includes(o.method.toUpperCase())) throw badRequest(`Invalid batch payload format: request '${o.id}' has an invalid method.`);
    if (typeof o.url !== 'string' || /^[a-z]+:\/\//i.test(o.url)) throw badRequest(`Invalid batch payload format: request '${o.id}' needs a relative url.`);
    const headers: Record<string, string> = {};
    if (o.headers !== undefined) {
      if (typeof o.headers !== 'object' || o.headers === null) throw badRequest(`Invalid batch payload format: headers of '${o.id}' must be an object.`);
      for (const [k, v] of Object.entries(o.headers)) headers[k.toLowerCase()] = String(v);
    }
    if (o.body !== undefined && !headers['content-type']) {
      throw badRequest(`Invalid batch payload format: request '${o.id}' has a body but no Content-Type header.`);
    }
    const dependsOn = o.dependsOn === undefined ? [] : Array.isArray(o.dependsOn) ? o.dependsOn.map(String) : [];
    return { id: o.id, method: o.method.toUpperCase(), url: o.url, headers, body: o.body, dependsOn };
  });
  const ids = new Set<string>();
  for (const m of members) {
    if (ids.has(m.id)) throw badRequest(`Invalid batch payload format: the id '${m.id}' is used twice.`);
    ids.add(m.id);
  }
  for (const m of members) {
    for (const d of m.dependsOn) if (!ids.has(d) || d === m.id) throw badRequest(`Invalid batch payload format: '${m.id}' depends on unknown request '${d}'.`);
  }
  return members;
}

/** Dependency order, stable otherwise; a cycle is a bad payload. */
function ordered(members: Member[]): Member[] {
  const out: Member[] = [];
  const done = new Set<string>();
  const pending = [...members];
  while (pending.length) {
    const i = pending.findIndex((m) => m.dependsOn.every((d) => done.has(d)));
    if (i < 0) throw badRequest('Invalid batch payload format: the dependsOn references form a cycle.');
    const [m] = pending.splice(i, 1);
    out.push(m!);
    done.add(m!.id);
  }
  return out;
}

function memberJson(id: string, r: GraphResponse): Record<string, unknown> {
  return { id, status: r.status, headers: r.headers ?? {}, ...(r.body !== undefined ? { body: r.body } : {}) };
}

/** The mailbox a member url addresses (for the 4-at-a-time rule); null when none. */
function mailboxOf(url: string, principal: Principal): string {
  const m = /^\/?(?:v1\.0\/)?(?:(me)|users\/([^/?]+))\//i.exec(url);
  if (!m) return '';
  return m[1] ? (principal.kind === 'user' ? principal.userId : 'me') : safeDecode(m[2] ?? '').toLowerCase();
}

async function runBatch(pipeline: GraphPipeline, req: GraphRequest): Promise<GraphResponse> {
  const members = readMembers(req.body);
  const run = (m: Member) =>
    pipeline.handle({ method: m.method, url: m.url, headers: m.headers, body: m.body }, req.principal, true);
  const results = new Map<string, GraphResponse>();
  if (members.some((m) => m.dependsOn.length)) {
    for (const m of ordered(members)) {
      const failed = m.dependsOn.find((d) => {
        const s = results.get(d)?.status ?? 0;
        return s < 200 || s >= 300;
      });
      results.set(m.id, failed !== undefined
        ? { status: 424, headers: { 'content-type': 'application/json' }, body: { error: { code: 'FailedDependency', message: `The request depends on '${failed}', which failed.` } } }
        : await run(m));
    }
  } else {
    const lanes = new Map<string, Member[]>();
    for (const m of members) {
      const k = mailboxOf(m.url, req.principal);
      lanes.set(k, [...(lanes.get(k) ?? []), m]);
    }
    await Promise.all([...lanes.values()].map(async (queue) => {
      const workers = Array.from({ length: Math.min(PER_MAILBOX, queue.length) }, async () => {
        for (let m = queue.shift(); m; m = queue.shift()) results.set(m.id, await run(m));
      });
      await Promise.all(workers);
    }));
  }
  return json(200, { responses: members.map((m) => memberJson(m.id, results.get(m.id)!)) });
}

export function batchRoute(pipeline: GraphPipeline): Route {
  return { method: 'POST', pattern: '/$batch', handler: (req) => runBatch(pipeline, req) };
}
