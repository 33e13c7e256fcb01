// The agent calls that describe the tenant's users and activity types: Associate/GetAssociateList
// (Associate carriers by id, as AppointmentEntity.Associate shows them) and List/GetAllTasks (every
// TaskListItem; the simulator's types are never deleted). The SDK posts GetAssociateList's ids as a
// bare JSON array; a `{AssociateIds: [...]}` body is read as well.
//
// User/GetUser and User/GetFunctionalRights, which the app asks to recheck that a signed-in
// administrator still is one. The simulator knows two roles: 1 "Administrator", whose rights
// include `admin-all` (General administrator), and 2 "User" with none; an associate's role follows
// its isAdministrator flag, which the control API can change (a demotion). Real SuperOffice Online
// documents the User agent as not available to partner apps by default: unverified.
import type { Router } from 'express';
import { associateJson, taskListJson } from './appointment-entity.ts';
import { entityContext, type ApiContext } from './context.ts';
import { SoApiError } from './errors.ts';
import { int, pick, queryParam } from './wire.ts';

const ADMIN_ROLE = { Id: 1, Value: 'Administrator', Tooltip: '' };
const USER_ROLE = { Id: 2, Value: 'User', Tooltip: '' };
const GENERAL_ADMINISTRATOR = { Id: 1, Name: 'General administrator', ToolTip: 'Full access to Settings and maintenance', Deleted: false, Rank: 1, Type: '', ChildItems: [], IconHint: '', ColorBlock: 0, ExtraInfo: 'admin-all', StyleHint: '', FullName: 'General administrator', Selected: true };

export function mountDirectoryAgents(r: Router, api: ApiContext): void {
  r.post('/Agents/Associate/GetAssociateList', (req, res) => {
    const body: unknown = req.body;
    const ids = Array.isArray(body) ? body : pick(body, 'AssociateIds');
    if (!Array.isArray(ids)) throw new SoApiError(400, 'ArgumentException', 'Expected an array of associate ids');
    const c = entityContext(api, req, res);
    // Unknown ids are left out, not answered with nulls.
    res.json(ids.map((v, i) => associateJson(int(v, `AssociateIds[${i}]`), c)).filter((a) => a !== null));
  });
  r.post('/Agents/List/GetAllTasks', (_req, res) => {
    res.json(taskListJson());
  });
  r.post('/Agents/User/GetUser', (req, res) => {
    const id = int(queryParam(req.query, 'userId'), 'userId');
    const c = entityContext(api, req, res);
    const a = c.associates.find((x) => x.associateId === id);
    // NetServer answers null for an id that names no user.
    if (!a) return void res.json(null);
    res.json({ ...associateJson(id, c), Role: a.isAdministrator ? ADMIN_ROLE : USER_ROLE, IsPersonRetired: false, WaitingForApproval: false });
  });
  r.post('/Agents/User/GetFunctionalRights', (req, res) => {
    const roleId = int(pick(req.body, 'RoleId') ?? queryParam(req.query, 'roleId'), 'RoleId');
    res.json(roleId === ADMIN_ROLE.Id ? [GENERAL_ADMINISTRATOR] : []);
  });
}
