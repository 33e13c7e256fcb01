// The body of a SuperOffice webhook delivery (specs/superoffice.md 4.4). Only what routing needs is
// required; the rest is kept as received in inbound_events.payload.
import { z } from 'zod';

export const webhookPayloadSchema = z
  .object({
    EventId: z.string().min(1).max(100),
    Event: z.string().min(1).max(200),
    ContextIdentifier: z.string().min(1).max(100),
    Entity: z.string().max(100).optional(),
    PrimaryKey: z.number().int().optional(),
    ChangedByAssociateId: z.number().int().optional(),
    Changes: z.array(z.string()).optional(),
    FieldValues: z.record(z.string(), z.unknown()).optional(),
    Values: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();

export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

/** AppointmentType 4: activity.* also fires for documents, which we do not sync. */
export const DOCUMENT_TYPE = 4;

export function isDocumentEvent(p: WebhookPayload): boolean {
  return p.Entity === 'activity' && Number(p.FieldValues?.type) === DOCUMENT_TYPE;
}

/** The associate whose diary the appointment is in. */
export function ownerAssociateId(p: WebhookPayload): number | undefined {
  const v = Number(p.FieldValues?.associate_id ?? p.Values?.associate_id);
  return Number.isInteger(v) && v > 0 ? v : undefined;
}
