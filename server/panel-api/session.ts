// The verified session the sign-in middleware leaves in `res.locals.panel`. Checked again here: a
// route mounted without that middleware must fail closed (401), never serve a guessed tenant.
import type { Response } from 'express';
import { z } from 'zod';
import { NOT_ADMINISTRATOR, PanelError } from './errors.ts';

const sessionSchema = z.object({
  sessionId: z.string().min(1),
  tenantId: z.uuid(),
  contextIdentifier: z.string().min(1),
  associateId: z.coerce.number().int().positive(),
  isAdministrator: z.boolean(),
});

export type PanelSession = z.output<typeof sessionSchema>;

export function sessionOf(res: Response): PanelSession {
  const s = sessionSchema.safeParse((res.locals as { panel?: unknown }).panel);
  if (!s.success) throw new PanelError(401, 'signed_out', 'You are signed out. Sign in with SuperOffice again.');
  return s.data;
}

export function adminOf(res: Response): PanelSession {
  const s = sessionOf(res);
  if (!s.isAdministrator) throw new PanelError(403, 'not_administrator', NOT_ADMINISTRATOR);
  return s;
}

/** The audit actor of an administrator's or a user's own change. */
export const adminActor = (s: PanelSession) => `admin:associate:${s.associateId}`;
export const userActor = (s: PanelSession) => `user:associate:${s.associateId}`;
