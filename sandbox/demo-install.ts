// The sandbox installs the app for its demo tenant at start, through the same consent flow an
// administrator uses (authorize, consent page, callback), so that a newcomer's first look already
// shows a provisioned tenant. Runs only when the tenant is not installed yet.
import type { Db } from '../server/db/knex.ts';
import { findInstalledTenant } from '../server/db/tenants.ts';
import { beginInstall, completeInstall, type InstallDeps, type Installed } from '../server/superoffice/install.ts';
import { DEMO_CTX } from './superoffice/seed.ts';
import type { SuperOfficeSimulator } from './superoffice/simulator.ts';

export async function installDemoTenant(
  db: Db,
  deps: InstallDeps,
  simulator: SuperOfficeSimulator,
  fetchFn: typeof fetch,
): Promise<Installed | undefined> {
  if (await findInstalledTenant(db, DEMO_CTX)) return undefined;
  const authorize = new URL(await beginInstall(deps, DEMO_CTX));
  const admin = simulator.store.users(simulator.store.tenant(DEMO_CTX)!).find((u) => u.isAdministrator)!;
  // What the administrator's click on "I approve" posts.
  const res = await fetchFn(`${simulator.url}/login/common/oauth/authorize`, {
    method: 'POST',
    body: new URLSearchParams({ ...Object.fromEntries(authorize.searchParams), user: `${DEMO_CTX}:${admin.associateId}`, decision: 'approve' }),
    redirect: 'manual',
  });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`the simulator's consent page answered ${res.status}`);
  const back = new URL(location).searchParams;
  return completeInstall(deps, { state: back.get('state') ?? undefined, code: back.get('code') ?? undefined, error: back.get('error') ?? undefined });
}
