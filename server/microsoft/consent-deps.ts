// What the consent flows need, built in one place for the HTTP callbacks (http/microsoft-consent.ts)
// and the panel API that starts and claims them (panel-api/microsoft-claim.ts).
import type { Knex } from 'knex';
import { GRAPH_SUBSCRIBE_TASK } from '../jobs/graph-subscribe.ts';
import type { Queue } from '../jobs/queue.ts';
import type { Keyring } from '../security/secrets.ts';
import type { ConsentDeps, MicrosoftApp } from './admin-consent.ts';
import type { Microsoft } from './connector.ts';
import type { UserConsentDeps } from './user-consent.ts';

export interface MicrosoftConsent {
  admin: ConsentDeps;
  user: UserConsentDeps;
}

export function microsoftConsent(opts: {
  db: Knex;
  keyring: Keyring;
  app: MicrosoftApp;
  publicUrl: string;
  microsoft: Microsoft;
  queue: Pick<Queue, 'enqueue' | 'enqueueLinkSync'>;
}): MicrosoftConsent {
  const base = { db: opts.db, keyring: opts.keyring, app: opts.app, publicUrl: opts.publicUrl.replace(/\/$/, ''), signIn: opts.microsoft.clients.signIn, idTokens: opts.microsoft.idTokens };
  return {
    admin: { ...base, verify: (t) => opts.microsoft.verify(t) },
    user: {
      ...base,
      // A connected user's mailbox gets its subscription and a first sync at once.
      connected: async (tenantId, linkId) => {
        await opts.queue.enqueue(GRAPH_SUBSCRIBE_TASK, { tenantId, linkId }, { queueName: `graph-sub:${linkId}` });
        await opts.queue.enqueueLinkSync(tenantId, linkId, { reason: 'connected' });
      },
    },
  };
}
