// Who signed in to Microsoft, proven: the code is redeemed (by msal, at the client edge) and the
// id_token it brings verified (providers/graph/id-token.ts). Both consent flows go through here,
// so a failure of either reads as a ConsentError in words.
import { IdTokenRefused, type IdTokenVerifier, type VerifiedSignIn } from '../providers/graph/id-token.ts';
import { SyncError } from '../sync/errors.ts';
import { ConsentError } from './consent-error.ts';

/** `redeem` resolves to the raw id_token of the sign-in. */
export async function proveSignIn(idTokens: IdTokenVerifier, redeem: () => Promise<string>, expect: { tenantId?: string; nonce: string }): Promise<VerifiedSignIn> {
  let idToken: string;
  try {
    idToken = await redeem();
  } catch (err) {
    if (err instanceof SyncError) throw new ConsentError('redeem_failed', `Microsoft refused the sign-in: ${err.message}`);
    throw err;
  }
  try {
    return await idTokens.verify(idToken, expect);
  } catch (err) {
    if (err instanceof IdTokenRefused) throw new ConsentError('not_verified', err.message);
    throw err;
  }
}
