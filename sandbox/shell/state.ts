// What the shell page shows for one signed-in demo user: the tenant, the user list for the switcher,
// the user's diary, and every web-panel URL already rendered from manifest/ with the SuperOffice tags
// filled in. The page itself stays a dumb renderer of this document, so swapping the static demo for
// the SuperOffice simulator's data changes nothing in the browser.
import { renderPanelUrl, type AppManifest, type TagValues, type WebPanelDefinition } from '../../manifest/manifest.ts';
import type { DemoAppointment, DemoTenant, DemoUser } from '../demo.ts';

export interface ShellUser {
  associateId: number;
  name: string;
  email: string;
  isAdministrator: boolean;
  calendarSystem: DemoUser['calendarSystem'];
  mailbox: string | null;
}

export interface ShellPanelButton {
  key: WebPanelDefinition['key'];
  progId: string;
  label: string;
  tooltip: string;
  url: string;
}

export interface ShellAppointment extends DemoAppointment {
  /** The appointment dialog's web-panel tab frames this URL. */
  panelUrl: string;
}

export interface ShellState {
  tenant: { contextIdentifier: string; companyName: string; timeZone: string };
  week: DemoTenant['week'];
  users: ShellUser[];
  currentUser: ShellUser;
  /** Navigator buttons for the app's panels this user may open. */
  navigator: ShellPanelButton[];
  /** The appointment dialog tab's label and tooltip. */
  appointmentTab: { label: string; tooltip: string; progId: string };
  appointments: ShellAppointment[];
}

export class UnknownUserError extends Error {
  constructor(readonly associateId: number) {
    super(`No demo user has associate id ${associateId}`);
    this.name = 'UnknownUserError';
  }
}

const fullName = (u: DemoUser) => `${u.firstName} ${u.lastName}`;

function shellUser(u: DemoUser): ShellUser {
  return {
    associateId: u.associateId,
    name: fullName(u),
    email: u.email,
    isAdministrator: u.isAdministrator,
    calendarSystem: u.calendarSystem,
    mailbox: u.mailbox,
  };
}

/** `2025-11-24T09:30:00+01:00` -> ['20251124', '093000'], the forms of SuperOffice's b* date tags. */
function dateTimeTags(iso: string): [string, string] {
  return [iso.slice(0, 10).replaceAll('-', ''), iso.slice(11, 19).replaceAll(':', '')];
}

/** The URL tags SuperOffice would substitute for this user (and, in the appointment dialog, this appointment). */
export function panelTags(tenant: DemoTenant, user: DemoUser, appointment?: DemoAppointment): TagValues {
  const tags: TagValues = {
    uctx: tenant.contextIdentifier,
    usid: user.associateId,
    user: fullName(user),
    usem: user.email,
    usfn: user.firstName,
    usln: user.lastName,
    usmn: '',
    lani: user.language,
    lanc: user.culture,
    'adm?': user.isAdministrator ? 1 : 0,
  };
  if (appointment) {
    const [bsda, bsti] = dateTimeTags(appointment.start);
    const [beda, beti] = dateTimeTags(appointment.end);
    Object.assign(tags, { baid: appointment.id, bsda, bsti, beda, beti, btzl: tenant.timeZone, bsta: 'CONFIRMED' });
  }
  return tags;
}

/** The shell's document for `associateId`, or for the first administrator when none is given. */
export function shellState(tenant: DemoTenant, manifest: AppManifest, publicUrl: string, associateId?: number): ShellState {
  const user =
    associateId === undefined
      ? (tenant.users.find((u) => u.isAdministrator) ?? tenant.users[0])
      : tenant.users.find((u) => u.associateId === associateId);
  if (!user) throw new UnknownUserError(associateId ?? NaN);

  // SuperOffice shows a panel to every user group (a certification rule), so the shell shows the
  // admin button to everyone too: a non-administrator who opens it meets the panel's own refusal.
  const navigator = manifest.webPanels
    .filter((p) => p.visibleIn === 'NavigatorButton')
    .map((p) => ({
      key: p.key,
      progId: p.progId,
      label: p.name,
      tooltip: p.tooltip,
      url: renderPanelUrl(p.url, publicUrl, panelTags(tenant, user)),
    }));
  const tab = manifest.panel('appointment');
  const [from, to] = [Date.parse(tenant.week.start), Date.parse(tenant.week.end)];
  const appointments = tenant.appointments
    .filter((a) => a.associateId === user.associateId && Date.parse(a.start) >= from && Date.parse(a.start) < to)
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start))
    .map((a) => ({ ...a, panelUrl: renderPanelUrl(tab.url, publicUrl, panelTags(tenant, user, a)) }));

  return {
    tenant: { contextIdentifier: tenant.contextIdentifier, companyName: tenant.companyName, timeZone: tenant.timeZone },
    week: tenant.week,
    users: tenant.users.map(shellUser),
    currentUser: shellUser(user),
    navigator,
    appointmentTab: { label: tab.name, tooltip: tab.tooltip, progId: tab.progId },
    appointments,
  };
}
