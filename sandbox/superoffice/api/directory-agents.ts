// The agent calls that describe the tenant's users and activity types: Associate/GetAssociateList
// (Associate carriers by id, as AppointmentEntity.Associate shows them) and List/GetAllTasks (every
// TaskListItem; the simulator's types are never deleted). The SDK posts GetAssociateList's ids as a
// bare JSON array; a `{AssociateIds: [...]}` body is read as well.
import type { Router } from 'express';
import { associateJson, taskListJson } from './appointment-entity.ts';
import { entityContext, type ApiContext } from './context.ts';
import { SoApiError } from './errors.ts';
import { int, pick } from './wire.ts';

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
}
