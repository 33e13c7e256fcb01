// The `credentials.kind` of each secret the SuperOffice side keeps per tenant (all sealed).
/** The system token from the installing administrator's id_token; signs system-user exchanges. */
export const SYSTEM_TOKEN_KIND = 'superoffice_system_token';
/** The HMAC key SuperOffice signs our webhook deliveries with. */
export const WEBHOOK_SECRET_KIND = 'superoffice_webhook_secret';
