// A mailbox's calendars (list, the default one, one by id, create) and its mailboxSettings, where a
// connector reads the user's own time zone (as a Windows name, as Exchange keeps it).
import { json, mailboxFor, type GraphContext, type GraphRequest, type GraphResponse, type Route } from './context.ts';
import { badRequest } from './errors.ts';
import type { Calendar, Mailbox } from './mailbox.ts';
import { windowsName } from './time-zone.ts';

function calendarJson(box: Mailbox, c: Calendar): Record<string, unknown> {
  return {
    '@odata.etag': `W/"${c.changeKey}"`,
    id: c.id, name: c.name, color: c.color, hexColor: '', isDefaultCalendar: c.isDefault, changeKey: c.changeKey, canShare: true,
    canViewPrivateItems: true, canEdit: true, allowedOnlineMeetingProviders: ['teamsForBusiness'],
    defaultOnlineMeetingProvider: 'teamsForBusiness', isTallyingResponses: true, isRemovable: !c.isDefault,
    owner: { name: box.user.displayName, address: box.user.mail },
  };
}

function list(ctx: GraphContext, req: GraphRequest): GraphResponse {
  const box = mailboxFor(ctx, req, false);
  return json(200, {
    '@odata.context': `${ctx.graphBase()}/$metadata#users('${encodeURIComponent(req.params.user ?? '')}')/calendars`,
    value: [...box.calendars.values()].map((c) => calendarJson(box, c)),
  });
}

function getOne(ctx: GraphContext, req: GraphRequest): GraphResponse {
  const box = mailboxFor(ctx, req, false);
  return json(200, calendarJson(box, box.calendar(req.params.cal ?? 'default')));
}

function create(ctx: GraphContext, req: GraphRequest): GraphResponse {
  const box = mailboxFor(ctx, req, true);
  const body = req.body as { name?: unknown } | null;
  if (typeof body?.name !== 'string' || !body.name.trim()) throw badRequest("A calendar needs a 'name'.", 'ErrorInvalidParameter');
  const name = body.name.trim();
  if ([...box.calendars.values()].some((c) => c.name.toLowerCase() === name.toLowerCase())) {
    throw badRequest('A folder with the specified name already exists.', 'ErrorFolderExists');
  }
  return json(201, calendarJson(box, box.addCalendar(name)));
}

function mailboxSettings(ctx: GraphContext, req: GraphRequest): GraphResponse {
  const box = mailboxFor(ctx, req, false);
  const tz = windowsName(box.timeZone);
  return json(200, {
    '@odata.context': `${ctx.graphBase()}/$metadata#users('${encodeURIComponent(req.params.user ?? '')}')/mailboxSettings`,
    timeZone: tz,
    language: { locale: box.user.preferredLanguage ?? 'en-US', displayName: box.user.preferredLanguage ?? 'English (United States)' },
    dateFormat: 'yyyy-MM-dd',
    timeFormat: 'HH:mm',
    userPurpose: 'user',
    workingHours: {
      daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], startTime: '08:00:00.0000000', endTime: '17:00:00.0000000',
      timeZone: { name: tz },
    },
    automaticRepliesSetting: { status: 'disabled', externalAudience: 'all', internalReplyMessage: '', externalReplyMessage: '' },
  });
}

export function calendarRoutes(ctx: GraphContext): Route[] {
  const r = (method: string, pattern: string, h: (c: GraphContext, q: GraphRequest) => GraphResponse): Route => ({ method, pattern, handler: (q) => h(ctx, q) });
  return [
    r('GET', '/users/:user/calendars', list),
    r('POST', '/users/:user/calendars', create),
    r('GET', '/users/:user/calendar', getOne),
    r('GET', '/users/:user/calendars/:cal', getOne),
    r('GET', '/users/:user/mailboxSettings', mailboxSettings),
  ];
}
