// Who and what the SuperOffice mapping can name, read from the tenant: its users (the AllUsers
// archive for their person and e-mail address, Associate/GetAssociateList for their type), contact
// persons by e-mail address (the SimplePerson archive, asked only for the addresses a sync meets: a
// CRM holds far more persons than any calendar names), and the appointment types
// (List/GetAllTasks). Answers are kept for `ttlMs` (10 minutes), so a burst of sync runs of one
// tenant costs one load; a failed load is not kept. Errors reach callers as client.ts maps them.
import { ArchiveAgent, AssociateAgent, ListAgent, TaskType as SoTaskType, UserType, type ArchiveListItem, type WebApiRequestOptions } from '@superoffice/webapi';
import type { AgentFactory, SuperOfficeApi } from '../../superoffice/api-client.ts';
import type { SystemUserTenant } from '../../superoffice/system-user.ts';
import { callSuperOffice, cell, intCell } from './client.ts';
import type { SuperOfficePerson, TaskType } from './mapping.ts';

export interface SuperOfficeDirectory {
  /** The tenant's users (internal associates with an e-mail address), each with their person. */
  people(): Promise<SuperOfficePerson[]>;
  /** The contact persons with these addresses, one per address found (the lowest person id). */
  findByEmails(emails: readonly string[]): Promise<SuperOfficePerson[]>;
  /** Appointment types that put an appointment in a diary (not deleted, not to-do). */
  tasks(): Promise<TaskType[]>;
}

export interface DirectoryOptions {
  api: SuperOfficeApi;
  tenant: SystemUserTenant;
  ttlMs?: number;
  now?: () => number;
  pageSize?: number;
}

const DEFAULT_TTL_MS = 10 * 60_000;
const DEFAULT_PAGE_SIZE = 200;
/** Addresses per SimplePerson query: a short OR restriction. */
const EMAILS_PER_QUERY = 20;
/** Above this many remembered addresses, stale ones are dropped. */
const EMAIL_CACHE_PRUNE_AT = 2000;
// Phone calls are diary items too; to-do types make a checklist task, documents and mail no activity.
const DIARY_TASK_TYPES: ReadonlySet<SoTaskType | undefined> = new Set([SoTaskType.Appointment, SoTaskType.Phone]);
/** Addresses that go into a restriction string as they are; others are never looked up. */
const SEARCHABLE = /^[^\s'"()\\,]{1,200}@[^\s'"()\\,]{1,200}$/;

/** A fresh object per call: the SDK writes the call's status into the options it is given. */
const options = (): WebApiRequestOptions => ({ timezone: 'UTC', timezoneInclude: true });

interface Kept<T> {
  at: number;
  value: Promise<T>;
}

const normal = (email: string) => email.trim().toLowerCase();

export function createDirectory(opts: DirectoryOptions): SuperOfficeDirectory {
  const ttl = opts.ttlMs ?? DEFAULT_TTL_MS;
  const now = opts.now ?? Date.now;
  const pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
  const call = <T>(fn: (agent: AgentFactory) => Promise<T>) => callSuperOffice(opts.api, opts.tenant, fn);
  const fresh = <T>(k: Kept<T> | undefined): k is Kept<T> => k !== undefined && now() - k.at < ttl;

  /** A load shared by its callers while fresh; forgotten when it fails. */
  const kept = <T>(load: () => Promise<T>): (() => Promise<T>) => {
    let entry: Kept<T> | undefined;
    return () => {
      if (fresh(entry)) return entry.value;
      const mine: Kept<T> = { at: now(), value: load() };
      entry = mine;
      mine.value.catch(() => {
        if (entry === mine) entry = undefined;
      });
      return mine.value;
    };
  };

  /** Every row of an archive query, by page number (AllUsers has no range operator to page by key). */
  const archive = async (provider: string, columns: string, sortOrder: string, restriction: string, entities: string): Promise<ArchiveListItem[]> => {
    const out: ArchiveListItem[] = [];
    for (let page = 0; ; page++) {
      const items = (await call((agent) => agent(ArchiveAgent).getArchiveListByColumns2Async(provider, columns, sortOrder, restriction, entities, page, pageSize, options()))) ?? [];
      out.push(...items);
      if (items.length < pageSize) return out;
    }
  };

  const loadUsers = async (): Promise<SuperOfficePerson[]> => {
    // Users without a person (the system user, anonymous accounts) cannot be participants.
    const items = await archive('AllUsers', 'associateDbId,personId,contactId,fullName,personEmail', 'associateDbId', 'personId > 0', 'all');
    const rows = new Map<number, SuperOfficePerson & { associateId: number }>();
    for (const i of items) {
      const associateId = i.primaryKey || intCell(i, 'associateDbId');
      const personId = intCell(i, 'personId');
      const email = cell(i, 'personEmail')?.trim() ?? '';
      if (associateId <= 0 || personId <= 0 || !email.includes('@')) continue;
      const contactId = intCell(i, 'contactId');
      const name = cell(i, 'fullName')?.trim();
      rows.set(associateId, { email, associateId, personId, ...(contactId > 0 ? { contactId } : {}), ...(name ? { name } : {}) });
    }
    if (rows.size === 0) return [];
    // AllUsers lists resources and external users too; only employees have a diary to invite to.
    const ids = [...rows.keys()];
    const internal = new Set<number>();
    for (let i = 0; i < ids.length; i += pageSize) {
      const carriers = (await call((agent) => agent(AssociateAgent).getAssociateListAsync(ids.slice(i, i + pageSize), options()))) ?? [];
      for (const a of carriers) if (a.associateId && a.type === UserType.InternalAssociate && !a.deleted) internal.add(a.associateId);
    }
    return [...rows.values()].filter((r) => internal.has(r.associateId));
  };

  const loadTasks = async (): Promise<TaskType[]> => {
    const items = (await call((agent) => agent(ListAgent).getAllTasksAsync(false, options()))) ?? [];
    return items
      .filter((t) => !t.deleted && (t.taskListItemId ?? 0) > 0 && t.value?.trim() && DIARY_TASK_TYPES.has(t.type))
      .map((t) => ({ id: t.taskListItemId!, name: t.value!.trim() }));
  };

  /** Persons for addresses (normalised); the lowest person id wins where several share one. */
  const lookup = async (emails: string[]): Promise<Map<string, SuperOfficePerson>> => {
    const restriction = emails.map((e) => `email/emailAddress is '${e}'`).join(' or ');
    const items = await archive('SimplePerson', 'personId,contactId,fullName,email/emailAddress', 'personId', restriction, 'person');
    const found = new Map<string, SuperOfficePerson>();
    let stray = false;
    for (const i of items) {
      const personId = i.primaryKey || intCell(i, 'personId');
      if (personId <= 0) continue;
      const shown = cell(i, 'email/emailAddress')?.trim() ?? '';
      // A person found by a second address may show their first one: that row names no address.
      const email = emails.includes(normal(shown)) ? normal(shown) : emails.length === 1 ? emails[0]! : undefined;
      if (!email) {
        stray = true;
        continue;
      }
      if (found.has(email)) continue;
      const contactId = intCell(i, 'contactId');
      const name = cell(i, 'fullName')?.trim();
      found.set(email, { email: shown && normal(shown) === email ? shown : email, personId, ...(contactId > 0 ? { contactId } : {}), ...(name ? { name } : {}) });
    }
    if (stray) for (const e of emails.filter((x) => !found.has(x))) for (const [k, p] of await lookup([e])) found.set(k, p);
    return found;
  };

  const byEmail = new Map<string, Kept<SuperOfficePerson | null>>();
  const prune = () => {
    if (byEmail.size <= EMAIL_CACHE_PRUNE_AT) return;
    for (const [k, v] of byEmail) if (!fresh(v)) byEmail.delete(k);
  };

  return {
    people: kept(loadUsers),
    tasks: kept(loadTasks),
    async findByEmails(emails) {
      const wanted = [...new Set(emails.map(normal))].filter((e) => SEARCHABLE.test(e));
      const missing = wanted.filter((e) => !fresh(byEmail.get(e)));
      prune();
      for (let i = 0; i < missing.length; i += EMAILS_PER_QUERY) {
        const chunk = missing.slice(i, i + EMAILS_PER_QUERY);
        const batch = lookup(chunk);
        const at = now();
        const entries = chunk.map((e): [string, Kept<SuperOfficePerson | null>] => [e, { at, value: batch.then((m) => m.get(e) ?? null) }]);
        for (const [e, k] of entries) byEmail.set(e, k);
        batch.catch(() => {
          for (const [e, k] of entries) if (byEmail.get(e) === k) byEmail.delete(e);
        });
      }
      const found = await Promise.all(wanted.map((e) => byEmail.get(e)!.value));
      return found.filter((p): p is SuperOfficePerson => p !== null);
    },
  };
}

/**
 * One directory per tenant, kept across sync runs; a tenant whose system token or context changed
 * (consent given again, tenant moved) gets a fresh one.
 */
export function createDirectories(opts: Omit<DirectoryOptions, 'tenant'>): (tenant: SystemUserTenant) => SuperOfficeDirectory {
  const byTenant = new Map<string, { tenant: SystemUserTenant; directory: SuperOfficeDirectory }>();
  return (tenant) => {
    const kept = byTenant.get(tenant.tenantId);
    if (kept && kept.tenant.contextIdentifier === tenant.contextIdentifier && kept.tenant.systemToken === tenant.systemToken) return kept.directory;
    const directory = createDirectory({ ...opts, tenant });
    byTenant.set(tenant.tenantId, { tenant, directory });
    return directory;
  };
}
