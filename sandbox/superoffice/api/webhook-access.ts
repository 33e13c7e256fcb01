// Online's gate on the Webhook agent: "The Webhook agent is not available in Online by default.
// Access must be requested specifically when app is registered" (every Webhook page, e.g.
// docs/en/api/reference/restful/agent/Webhook_Agent/v1WebhookAgent_GetAllWebhooks.md). No page says
// how a refused call answers, so a tenant can be set to refuse in each plausible way: 403, a 401 on
// this agent only (every other call still goes through), 404 (the endpoint is not exposed), or a
// 500 fault saying the app is not allowed. Access is granted unless a test or the shell refuses it.
import type { RequestHandler } from 'express';
import { principalOf } from './context.ts';
import { sendSoError } from './errors.ts';

export const WEBHOOK_REFUSALS = ['forbidden', 'unauthorized', 'not_found', 'fault'] as const;
export type WebhookRefusal = (typeof WEBHOOK_REFUSALS)[number];

/** Both forms of the agent: REST `/Webhook...` and `/Agents/Webhook/...`. */
export const WEBHOOK_AGENT_PATHS = ['/Webhook', '/Agents/Webhook'];

export class WebhookAccess {
  private readonly refused = new Map<string, WebhookRefusal>();

  set(ctx: string, access: { granted: boolean; refusal?: WebhookRefusal }): void {
    if (access.granted) this.refused.delete(ctx.toLowerCase());
    else this.refused.set(ctx.toLowerCase(), access.refusal ?? 'forbidden');
  }

  /** Mount at WEBHOOK_AGENT_PATHS, after authentication. */
  readonly gate: RequestHandler = (req, res, next) => {
    const refusal = this.refused.get(principalOf(res).ctx.toLowerCase());
    if (!refusal) return next();
    const said = 'The Webhook agent is not available to this application. Access must be requested when the application is registered.';
    switch (refusal) {
      case 'forbidden':
        return sendSoError(res, 403, 'SoAccessDeniedException', said);
      case 'unauthorized':
        return sendSoError(res, 401, 'UnauthorizedAccessException', said);
      case 'not_found':
        return sendSoError(res, 404, 'NotFound', `No endpoint for ${req.method} ${req.baseUrl}${req.path}`);
      case 'fault':
        return sendSoError(res, 500, 'SoException', 'Application is not allowed to call WebhookAgent');
    }
  };
}
