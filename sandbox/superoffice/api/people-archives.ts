// The archive providers an app finds people with (docs.superoffice.com, archive-providers/reference):
// AllUsers, one row per user (PrimaryKey the associate id) with the e-mail address of the user's
// person, and SimplePerson, one row per contact person, searched by `email/emailAddress`. Only the
// columns the simulator can fill are offered; asking for another is a 400, as for FindAppointment.
import type { ArchiveDefinition } from './archive.ts';
import type { SoAssociate, SoPerson } from './types.ts';

type UserRow = SoAssociate & { contactId: number };

const first = (name: string) => name.split(' ')[0] ?? '';
const last = (name: string) => name.split(' ').slice(1).join(' ');

export const ALL_USERS: ArchiveDefinition<UserRow> = {
  name: 'AllUsers',
  entity: 'associate',
  keyColumn: 'associateDbId',
  key: (r) => r.associateId,
  rows: (api, ctx) => {
    const persons = api.deps.persons(ctx);
    // A user's person belongs to the owner company; the associate row itself has no company.
    return api.deps.associates(ctx).filter((a) => a.type !== 'SystemAssociate').map((a) => ({ ...a, contactId: persons.find((p) => p.personId === a.personId)?.contactId ?? 0 }));
  },
  columns: {
    associatedbid: { get: (r) => r.associateId },
    // The login name, as associateJson's Name.
    assocname: { get: (r) => r.email.split('@')[0]?.toUpperCase() ?? '' },
    username: { get: (r) => r.email },
    fullname: { get: (r) => r.name },
    firstname: { get: (r) => first(r.name) },
    lastname: { get: (r) => last(r.name) },
    personid: { get: (r) => r.personId },
    contactid: { get: (r) => r.contactId },
    personemail: { get: (r) => r.email },
  },
};

export const SIMPLE_PERSON: ArchiveDefinition<SoPerson> = {
  name: 'SimplePerson',
  entity: 'person',
  keyColumn: 'personId',
  key: (r) => r.personId,
  rows: (api, ctx) => api.deps.persons(ctx),
  columns: {
    personid: { get: (r) => r.personId },
    fullname: { get: (r) => r.name },
    firstname: { get: (r) => first(r.name) },
    lastname: { get: (r) => last(r.name) },
    contactid: { get: (r) => r.contactId },
    'email/emailaddress': { get: (r) => r.email },
  },
};
