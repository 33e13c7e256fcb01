// Appointment REST (`/api/v1/Appointment/...`) and agent (`/api/v1/Agents/Appointment/...`) endpoints
// (specs/superoffice.md 6.1, 6.3). REST follows HTTP semantics: 404 for a missing row, 304 with
// If-Modified-Since, 412 with If-Unmodified-Since (compared at the one-second precision of HTTP
// dates). Agents ignore those headers and answer null for a missing entity.
import type { Request, Response, Router } from 'express';
import { UPDATE_MODE } from './appointments.ts';
import { apiBase, entityContext, principalOf, type ApiContext } from './context.ts';
import { SoApiError } from './errors.ts';
import { foreignKeysOn } from './foreign-keys.ts';
import { RECURRENCE_UPDATE_MODE, enumValue, int, isObject, pick, queryParam, type Json } from './wire.ts';

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

function httpDate(req: Request, name: string): Date | undefined {
  const v = req.get(name);
  if (!v) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new SoApiError(400, 'ArgumentException', `${name} is not an HTTP date: ${v}`);
  return d;
}

function idFrom(req: Request): number {
  const id = Number(req.params.id);
  if (!Number.isInteger(id) || id <= 0) throw new SoApiError(400, 'ArgumentException', `'${req.params.id}' is not an appointment id`);
  return id;
}

/** RFC 6902 operations on top-level properties become a partial entity. */
function patchBody(body: unknown, current: Json): unknown {
  if (!Array.isArray(body)) return body;
  const out: Json = {};
  for (const op of body) {
    const kind = String(pick(op, 'op') ?? '').toLowerCase();
    const path = String(pick(op, 'path') ?? '').replace(/^\//, '');
    if (!path || path.includes('/')) throw new SoApiError(400, 'ArgumentException', `Unsupported patch path '${path}'`);
    const value = pick(op, 'value');
    if (kind === 'test') {
      if (JSON.stringify(pick(current, path)) !== JSON.stringify(value)) {
        throw new SoApiError(412, 'PreconditionFailed', `Patch test failed on ${path}`);
      }
    } else if (kind === 'add' || kind === 'replace') out[path] = value;
    else if (kind === 'remove') out[path] = null;
    else throw new SoApiError(400, 'ArgumentException', `Unsupported patch op '${kind}'`);
  }
  return out;
}

export function mountAppointments(r: Router, api: ApiContext): void {
  const A = api.appointments;
  const entity = (req: Request, res: Response, id: number) => {
    const c = entityContext(api, req, res);
    return A.entity(c, A.require(c.ctx, id), apiBase(req, c.ctx));
  };
  const unmodified = (req: Request, res: Response, id: number) => {
    const since = httpDate(req, 'if-unmodified-since');
    const row = A.require(principalOf(res).ctx, id);
    if (since && seconds(A.lastModified(row)) > seconds(since)) {
      throw new SoApiError(412, 'PreconditionFailed', `Appointment ${id} was modified after ${since.toUTCString()}`);
    }
  };

  r.get('/Appointment/default', (req, res) => {
    const c = entityContext(api, req, res);
    res.json(A.entity(c, A.defaultRow(principalOf(res).associateId), apiBase(req, c.ctx)));
  });
  r.get('/Appointment/:id/ForeignKey', (req, res) => {
    const c = entityContext(api, req, res);
    A.require(c.ctx, idFrom(req));
    res.json(foreignKeysOn(api, c.ctx, 'appointment', idFrom(req)));
  });
  r.get('/Appointment/:id', (req, res) => {
    const id = idFrom(req);
    const row = A.require(principalOf(res).ctx, id);
    const since = httpDate(req, 'if-modified-since');
    if (since && seconds(A.lastModified(row)) <= seconds(since)) {
      res.status(304).end();
      return;
    }
    res.set('Last-Modified', A.lastModified(row).toUTCString()).json(entity(req, res, id));
  });
  r.post('/Appointment', (req, res) => {
    const c = entityContext(api, req, res);
    const row = A.create(c, principalOf(res).associateId, req.body);
    res.status(201).json(A.entity(c, row, apiBase(req, c.ctx)));
  });
  r.put('/Appointment/:id', (req, res) => {
    const id = idFrom(req);
    if (req.body === undefined) throw new SoApiError(400, 'ArgumentException', 'PUT needs an AppointmentEntity body');
    unmodified(req, res, id);
    const c = entityContext(api, req, res);
    A.update(c, principalOf(res).associateId, id, req.body);
    res.json(entity(req, res, id));
  });
  r.patch('/Appointment/:id', (req, res) => {
    const id = idFrom(req);
    unmodified(req, res, id);
    const c = entityContext(api, req, res);
    A.update(c, principalOf(res).associateId, id, patchBody(req.body, entity(req, res, id)));
    res.json(entity(req, res, id));
  });
  r.delete('/Appointment/:id', (req, res) => {
    const id = idFrom(req);
    unmodified(req, res, id);
    A.delete(principalOf(res).ctx, principalOf(res).associateId, id);
    res.status(204).end();
  });

  const agent = (name: string, h: (req: Request, res: Response) => unknown) =>
    r.post(`/Agents/Appointment/${name}`, (req, res) => {
      const out = h(req, res);
      if (!res.headersSent) res.json(out ?? null);
    });
  const agentId = (req: Request, name: string) => int(queryParam(req.query, name) ?? 0, name);
  const mode = (v: unknown) => (v === undefined || v === null ? UPDATE_MODE.OnlyThis : enumValue(v, RECURRENCE_UPDATE_MODE, 'UpdateMode') || UPDATE_MODE.OnlyThis);
  const saveEntity = (req: Request, res: Response, body: unknown, updateMode: number) => {
    const c = entityContext(api, req, res);
    const actor = principalOf(res).associateId;
    const id = int(pick(body, 'AppointmentId') ?? 0, 'AppointmentId');
    const row = id ? A.update(c, actor, id, body, updateMode) : A.create(c, actor, body);
    return A.entity(c, row, apiBase(req, c.ctx));
  };

  agent('CreateDefaultAppointmentEntity', (req, res) => {
    const c = entityContext(api, req, res);
    return A.entity(c, A.defaultRow(principalOf(res).associateId), apiBase(req, c.ctx));
  });
  agent('GetAppointmentEntity', (req, res) => {
    const id = agentId(req, 'appointmentEntityId');
    return A.get(principalOf(res).ctx, id) ? entity(req, res, id) : null;
  });
  agent('SaveAppointmentEntity', (req, res) => saveEntity(req, res, req.body, UPDATE_MODE.OnlyThis));
  agent('DeleteAppointmentEntity', (req, res) => {
    const id = agentId(req, 'AppointmentEntityId');
    if (A.get(principalOf(res).ctx, id)) A.delete(principalOf(res).ctx, principalOf(res).associateId, id);
    res.status(204).end();
  });
  agent('Save', (req, res) => {
    const e = pick(req.body, 'AppointmentEntity');
    if (!isObject(e)) throw new SoApiError(400, 'ArgumentException', 'Save needs AppointmentEntity');
    return saveEntity(req, res, e, mode(pick(req.body, 'UpdateMode')));
  });
  agent('Delete', (req, res) => {
    const p = principalOf(res);
    A.delete(p.ctx, p.associateId, int(pick(req.body, 'AppointmentId') ?? 0, 'AppointmentId'), mode(pick(req.body, 'UpdateMode')));
    res.status(204).end();
  });
}
