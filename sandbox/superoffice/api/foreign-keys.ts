// ForeignSystem agent (specs/superoffice.md 6.6): keys stored per (application, device, key name,
// table, record id), the app's way to remember the external calendar id of an appointment. Foreign
// apps and devices come into being on first use, as the agent's Add/Save calls imply.
import type { Request, Response, Router } from 'express';
import { principalOf, type ApiContext } from './context.ts';
import { SoApiError } from './errors.ts';
import type { ForeignKeyRow } from './store.ts';
import { formatUtc, timeZoneOf } from './time-zone.ts';
import { int, isObject, pick, str, type Json } from './wire.ts';

const lc = (s: string) => s.toLowerCase();

/** `{keyName: value}` for a record, the shape of GET Appointment/{id}/ForeignKey. */
export function foreignKeysOn(api: ApiContext, ctx: string, table: string, recordId: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of api.store.tenant(ctx).foreignKeys) {
    if (lc(k.tableName) === lc(table) && k.recordId === recordId) out[k.keyName] = k.keyValue;
  }
  return out;
}

function keyJson(k: ForeignKeyRow | undefined, req: Request): Json | null {
  if (!k) return null;
  const view = timeZoneOf(req);
  return {
    Key: k.keyName, Value: k.keyValue, RecordId: k.recordId, TableName: k.tableName,
    CreatedDate: formatUtc(k.created, view), UpdatedDate: formatUtc(k.updated, view),
    CreatedBy: k.createdBy, UpdatedBy: k.updatedBy, TableRight: null, FieldProperties: {},
  };
}

function field(body: unknown, name: string): string {
  return str(pick(body, name) ?? '', name);
}

export function mountForeignKeys(r: Router, api: ApiContext): void {
  const keys = (res: Response) => api.store.tenant(principalOf(res).ctx).foreignKeys;
  const agent = (name: string, h: (req: Request, res: Response) => unknown) =>
    r.post(`/Agents/ForeignSystem/${name}`, (req, res) => {
      const out = h(req, res);
      if (!res.headersSent) res.json(out ?? null);
    });
  const match = (k: ForeignKeyRow, body: unknown) =>
    lc(k.applicationName) === lc(field(body, 'ApplicationName')) && lc(k.deviceName) === lc(field(body, 'DeviceName'));

  const save = (req: Request, res: Response, replace: boolean) => {
    const fk = pick(req.body, 'ForeignKey');
    if (!isObject(fk)) throw new SoApiError(400, 'ArgumentException', 'ForeignKey is required');
    const app = field(req.body, 'ApplicationName');
    const device = field(req.body, 'DeviceName');
    if (!app || !device) throw new SoApiError(400, 'ArgumentException', 'ApplicationName and DeviceName are required');
    const keyName = str(pick(fk, 'Key') ?? '', 'ForeignKey.Key');
    const tableName = str(pick(fk, 'TableName') ?? '', 'ForeignKey.TableName');
    const recordId = int(pick(fk, 'RecordId') ?? 0, 'ForeignKey.RecordId');
    const keyValue = str(pick(fk, 'Value') ?? '', 'ForeignKey.Value');
    if (!keyName) throw new SoApiError(400, 'ArgumentException', 'ForeignKey.Key is required');
    const who = String(principalOf(res).associateId);
    const list = keys(res);
    const existing = replace
      ? list.find((k) => match(k, req.body) && lc(k.keyName) === lc(keyName) && lc(k.tableName) === lc(tableName) && k.recordId === recordId)
      : undefined;
    if (existing) {
      Object.assign(existing, { keyValue, updated: api.now(), updatedBy: who });
      return keyJson(existing, req);
    }
    const row: ForeignKeyRow = {
      foreignKeyId: api.store.tenant(principalOf(res).ctx).nextId.foreignKey++, applicationName: app, deviceName: device,
      deviceIdentifier: field(req.body, 'DeviceIdentifier'), keyName, keyValue, tableName, recordId,
      created: api.now(), updated: null, createdBy: who, updatedBy: '',
    };
    list.push(row);
    return keyJson(row, req);
  };

  agent('SaveForeignKey', (req, res) => save(req, res, true));
  agent('AddForeignKey', (req, res) => save(req, res, false));
  agent('GetKey', (req, res) => {
    const keyName = field(req.body, 'KeyName');
    const table = field(req.body, 'TableName');
    const recordId = int(pick(req.body, 'RecordId') ?? 0, 'RecordId');
    return keyJson(keys(res).find((k) => match(k, req.body) && lc(k.keyName) === lc(keyName)
      && (!table || lc(k.tableName) === lc(table)) && (!recordId || k.recordId === recordId)), req);
  });
  agent('GetKeyByValue', (req, res) => {
    const keyName = field(req.body, 'KeyName');
    const value = field(req.body, 'KeyValue');
    const table = field(req.body, 'TableName');
    return keyJson(keys(res).find((k) => match(k, req.body) && lc(k.keyName) === lc(keyName) && k.keyValue === value
      && (!table || lc(k.tableName) === lc(table))), req);
  });
  agent('DeleteForeignKey', (req, res) => {
    const fk = pick(req.body, 'ForeignKey');
    const keyName = str(pick(fk, 'Key') ?? '', 'ForeignKey.Key');
    const table = field(req.body, 'TableName') || str(pick(fk, 'TableName') ?? '', 'ForeignKey.TableName');
    const recordId = int(pick(req.body, 'RecordId') ?? pick(fk, 'RecordId') ?? 0, 'RecordId');
    const list = keys(res);
    for (let i = list.length - 1; i >= 0; i--) {
      const k = list[i]!;
      if (match(k, req.body) && (!keyName || lc(k.keyName) === lc(keyName)) && lc(k.tableName) === lc(table) && k.recordId === recordId) {
        list.splice(i, 1);
      }
    }
    res.status(204).end();
  });
  agent('GetAllForeignKeysOnEntity', (req, res) =>
    foreignKeysOn(api, principalOf(res).ctx, field(req.body, 'EntityType'), int(pick(req.body, 'EntityId') ?? 0, 'EntityId')));
}
