// The shell's write side: a person acting as the selected demo user creates, edits or deletes an
// appointment, and the SuperOffice simulator applies it as that user's change in the CRM client, so
// it fires activity.* webhooks to the app exactly as a real user's edit would.
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { SoApiError } from '../superoffice/api/errors.ts';
import type { TenantApiControl, UserEdit } from '../superoffice/api/tenant-api.ts';
import type { Json } from '../superoffice/api/wire.ts';

export interface ShellEditOptions {
  control: TenantApiControl;
  /** The tenant the shell shows. */
  ctx: string;
  /** The users a person may act as. */
  userIds: () => number[];
}

/**
 * `2025-11-24T09:30` (what <input type=datetime-local> gives) is wall time in the tenant's zone,
 * which in the sandbox is the server's own; a string with Z or an offset is an instant.
 */
const dateTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/, 'expected YYYY-MM-DDTHH:MM, optionally with seconds and an offset')
  .transform((s) => new Date(s).toISOString());
const associateId = z.coerce.number().int().positive();
const fields = { title: z.string().trim().min(1, 'must not be empty').max(200), start: dateTime, end: dateTime };

const schemas = {
  create: z.object({ associateId, ...fields }),
  update: z.object({ associateId, ...fields }).partial({ title: true, start: true, end: true }),
  remove: z.object({ as: associateId }),
};

function fail(res: Response, status: number, error: string, message: string): void {
  res.status(status).json({ error, message });
}

function parse<T>(schema: z.ZodType<T>, input: unknown, res: Response): T | undefined {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  fail(res, 400, 'bad_request', r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return undefined;
}

function wire(b: { title?: string; start?: string; end?: string }): Json {
  return {
    ...(b.title !== undefined ? { Title: b.title } : {}),
    ...(b.start !== undefined ? { StartDate: b.start } : {}),
    ...(b.end !== undefined ? { EndDate: b.end } : {}),
  };
}

export function shellEditRoutes(opts: ShellEditOptions): Router {
  const r = Router();
  r.use('/sandbox/api/appointments', express.json({ limit: '16kb' }));

  const apply = (req: Request, res: Response, associate: number, edit: UserEdit, status: number) => {
    if (!opts.userIds().includes(associate)) return fail(res, 404, 'unknown_user', `No demo user has associate id ${associate}`);
    try {
      const out = opts.control.editAsUser(opts.ctx, associate, edit);
      if (out === null) res.status(204).end();
      else res.status(status).json({ id: out.AppointmentId, title: out.Title, start: out.StartDate, end: out.EndDate });
    } catch (err) {
      if (!(err instanceof SoApiError)) throw err;
      // The simulator's messages name the field ("EndDate must not be before StartDate"): pass them on.
      fail(res, err.status, err.status === 404 ? 'not_found' : 'bad_request', `${req.method} refused: ${err.message}`);
    }
  };
  const idOf = (req: Request, res: Response): number | undefined => {
    const id = Number(req.params.id);
    if (Number.isInteger(id) && id > 0) return id;
    fail(res, 400, 'bad_request', `appointment id must be a positive integer, got ${JSON.stringify(req.params.id)}`);
    return undefined;
  };

  r.post('/sandbox/api/appointments', (req, res) => {
    const b = parse(schemas.create, req.body, res);
    if (b) apply(req, res, b.associateId, { op: 'create', appointment: wire(b) }, 201);
  });
  r.patch('/sandbox/api/appointments/:id', (req, res) => {
    const id = idOf(req, res);
    const b = id === undefined ? undefined : parse(schemas.update, req.body, res);
    if (id !== undefined && b) apply(req, res, b.associateId, { op: 'update', appointmentId: id, changes: wire(b) }, 200);
  });
  r.delete('/sandbox/api/appointments/:id', (req, res) => {
    const id = idOf(req, res);
    const q = id === undefined ? undefined : parse(schemas.remove, req.query, res);
    if (id !== undefined && q) apply(req, res, q.as, { op: 'delete', appointmentId: id }, 204);
  });
  return r;
}
