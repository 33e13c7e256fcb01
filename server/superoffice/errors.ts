// Domain errors of the SuperOffice side. Transport details (status codes, bodies) are mapped here,
// at the client edge; the rest of the app reacts to what happened, not to how it was said.

/** The tenant is not running (maintenance, suspended, upgrading): defer the work, don't fail it. */
export class TenantUnavailable extends Error {
  constructor(
    readonly contextIdentifier: string,
    readonly state: string,
    readonly retryAfterMs: number,
  ) {
    super(`SuperOffice tenant ${contextIdentifier} is not available (${state})`);
    this.name = 'TenantUnavailable';
  }
}

/** 421: the tenant moved to another numbered host; re-resolve its endpoint and try again. */
export class TenantMoved extends Error {
  constructor(readonly contextIdentifier: string) {
    super(`SuperOffice tenant ${contextIdentifier} answered from the wrong host (421); its endpoint moved`);
    this.name = 'TenantMoved';
  }
}

/**
 * A ticket minted a moment ago is still refused by the tenant's API (401): stop its work, keep its
 * data. The ticket exchange never throws this: SuperOffice documents no refusal reason there.
 */
export class InstallationRevoked extends Error {
  constructor(
    readonly contextIdentifier: string,
    readonly reason: string,
  ) {
    super(`the SuperOffice installation of ${contextIdentifier} was revoked: ${reason}`);
    this.name = 'InstallationRevoked';
  }
}

/**
 * The system-user exchange did not give a ticket. `superOfficeMessage` is SuperOffice's ErrorMessage
 * verbatim (or, without one, what we saw); it is shown, never interpreted. `status` is set when
 * SuperOffice answered at all, unset when it could not be reached.
 */
export class TicketExchangeFailed extends Error {
  constructor(
    readonly contextIdentifier: string,
    readonly superOfficeMessage: string,
    readonly status?: number,
  ) {
    super(`SuperOffice refused a system-user ticket for ${contextIdentifier}: ${superOfficeMessage}`);
    this.name = 'TicketExchangeFailed';
  }
}

/** A token whose signature, issuer, audience or lifetime does not check out. */
export class InvalidSuperOfficeToken extends Error {
  constructor(reason: string) {
    super(`SuperOffice token rejected: ${reason}`);
    this.name = 'InvalidSuperOfficeToken';
  }
}
