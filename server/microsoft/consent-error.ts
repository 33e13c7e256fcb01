// Why a Microsoft consent did not complete, in words a person can act on; the provider's own
// description never reaches them (it comes from a URL anyone can write).
export class ConsentError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConsentError';
  }
}

/** Microsoft's error codes in our own words; its description is logged by the caller, never shown. */
export function refusalInWords(error: string): string {
  if (error === 'access_denied' || error === 'consent_required') return 'Consent was not granted on Microsoft\'s page. Start again from the administrator panel and accept as a Global or Privileged Role Administrator.';
  if (error === 'login_required' || error === 'interaction_required') return 'Microsoft needs you to sign in again. Start again from the administrator panel.';
  return `Microsoft did not complete the consent (error code "${error.slice(0, 64)}"). Start again from the administrator panel.`;
}
