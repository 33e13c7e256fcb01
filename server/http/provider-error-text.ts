// Words for the error code SuperOffice's sign-in sends back to the panel callback (RFC 6749
// 4.1.2.1, OpenID Connect Core 3.1.2.6). Anyone can send a browser to a callback with any `error`
// and `error_description`, so the page shows only a code it knows, in our own words; the caller
// logs the rest.
const PROVIDER_ERRORS: Record<string, string> = {
  access_denied: 'the sign-in was cancelled or refused',
  login_required: 'you need to sign in to SuperOffice again',
  interaction_required: 'you need to sign in to SuperOffice again',
  consent_required: 'Calendar Sync needs your consent in SuperOffice first',
  account_selection_required: 'you need to choose a SuperOffice user',
  server_error: 'SuperOffice had a problem',
  temporarily_unavailable: 'SuperOffice is busy right now',
  invalid_request: 'SuperOffice found the sign-in request invalid',
  unauthorized_client: 'SuperOffice does not allow Calendar Sync to sign you in this way',
  invalid_scope: 'SuperOffice found the sign-in request invalid',
};

export function providerErrorText(code: string): string {
  const words = Object.hasOwn(PROVIDER_ERRORS, code) ? PROVIDER_ERRORS[code] : undefined;
  return words
    ? `SuperOffice did not sign you in: ${words} (${code}). Close this window and sign in again from the panel.`
    : 'SuperOffice did not sign you in, and gave an error Calendar Sync does not know. Close this window and sign in again from the panel.';
}
