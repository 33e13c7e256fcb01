// GET <tenant api>/v1/User/currentPrincipal: who the credential acts as (SuperOffice has no OIDC
// UserInfo endpoint; spec §2.1 points here instead). PascalCase like every WebAPI answer, in the
// shape of the SDK's SoPrincipalCarrier.
import type { Request, Response } from 'express';
import { soPrincipal } from '../auth.ts';
import type { SuperOfficeStore } from '../store.ts';

export const CURRENT_PRINCIPAL_PATH = '/v1/User/currentPrincipal';

export function currentPrincipal(store: SuperOfficeStore) {
  return (_req: Request, res: Response): void => {
    const p = soPrincipal(res);
    const tenant = store.tenant(p.ctx);
    const a = tenant?.associates.get(p.associateId);
    if (!tenant || !a) {
      res.status(404).json({ Error: true, ErrorType: 'SoException', Message: 'The associate no longer exists.', ErrorSource: 'SuperOffice.WebApi' });
      return;
    }
    const person = tenant.persons.get(a.personId);
    const system = a.userType === 'SystemAssociate';
    res.json({
      UserType: a.userType,
      Associate: a.name,
      AssociateId: a.associateId,
      IsPerson: !system,
      PersonId: a.personId,
      CountryId: 578,
      HomeCountryId: 578,
      ContactId: person?.contactId ?? tenant.ownerContactId,
      GroupId: 1,
      BusinessId: 0,
      CategoryId: 0,
      ContactOwner: 0,
      RoleId: a.isAdministrator ? 1 : 2,
      RoleName: system ? 'System' : a.isAdministrator ? 'Administrator' : 'User',
      RoleDescription: '',
      RoleType: system ? 'System' : 'Employee',
      Licenses: [],
      FullName: `${a.firstName} ${a.lastName}`,
      EMailAddress: a.email,
      FunctionRights: a.isAdministrator ? ['admin-all'] : [],
      EjUserId: 0,
      EjAccessLevel: 0,
      EjUserStatus: 'StatusNormal',
      ProvidedCredentials: [],
      SecondaryGroups: [],
      DatabaseContextIdentifier: tenant.contextIdentifier,
    });
  };
}
