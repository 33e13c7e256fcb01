// List agent web panels (specs/superoffice.md 5.2). A panel remembers which app saved it, so that
// GetAppWebPanels/DeleteAppWebPanels see only the calling app's panels. Like the database, the store
// does not make ProgId unique: an app that saves blindly twice gets two panels, so provisioning must
// look its panel up by ProgId first.
import type { Request, Response, Router } from 'express';
import { principalOf, type ApiContext } from './context.ts';
import { SoApiError } from './errors.ts';
import type { WebPanelRow } from './store.ts';
import { URL_ENCODING, bool, enumName, enumValue, int, isObject, pick, queryParam, str, type Json } from './wire.ts';

// Navigation enum in the SDK's order; its index is the numeric value (ActivityDialog = 11).
const NAVIGATION = ['Invisible', 'ToolboxMenu', 'NavigatorButton', 'ViewMenu', 'SelectionTaskCard', 'ContactCard',
  'ContactArchive', 'ProjectCard', 'ProjectArchive', 'SaleCard', 'PersonCard', 'ActivityDialog', 'DocumentDialog',
  'BrowserPanel', 'ContSelectionTask', 'AppntSelectionTask', 'SaleSelectionTask', 'DocSelectionTask', 'ProjSelectionTask',
  'CompanyMinicard', 'ProjectMinicard', 'DiaryMinicard', 'SelectionMinicard', 'ButtonPanelTask', 'AppointmentDialogTask',
  'SaleDialogTask', 'DocumentDialogTask', 'PersonDialogTask', 'SaleMinicard', 'SaleArchive', 'AppntSelectionShadowTask',
  'SaleSelectionShadowTask', 'DocSelectionShadowTask', 'ProjSelectionShadowTask', 'DiaryArchive', 'SelectionContactArchive',
  'SelectionProjectArchive', 'SelectionSaleArchive', 'SelectionAppointmentArchive', 'SelectionDocumentArchive',
  'ContSelectionCustomTask', 'AppntSelectionCustomTask', 'SaleSelectionCustomTask', 'DocSelectionCustomTask',
  'ProjSelectionCustomTask', 'CustomArchiveMiniCard', 'SelectionCard', 'ReportMinicard', 'QuoteDialog', 'QuoteDialogTask',
  'QuoteDialogArchive', 'QuoteLineDialogTask', 'QuoteLineDialog', 'QuoteLineSelectionMainTask', 'QuoteLineSelectionShadowTask',
  'SelectionQuoteLineArchive', 'QuoteLineSelectionCustomTask', 'FindSystem', 'MailingSelectionTask', 'ContactSelectionMailingsTask',
  'AppointmentSelectionMailingsTask', 'SaleSelectionMailingsTask', 'DocumentSelectionMailingsTask', 'ProjectSelectionMailingsTask',
  'QuoteLineSelectionMailingsTask', 'TopPanelNewMenu', 'Dashboard', 'PersonArchive', 'PersonMinicard', 'CompanyCardTask',
  'ProjectCardTask', 'TicketCard', 'TicketMinicard', 'CustomObjectCard', 'CustomObjectArchive'] as const;

const STRINGS = ['Name', 'Tooltip', 'WindowName', 'Url', 'ProgId', 'CustomObjectEntity'] as const;
const BOOLS = ['Deleted', 'OnCentral', 'OnSatellite', 'OnTravel', 'OnSalesMarketingWeb', 'OnSalesMarketingPocket', 'ShowInMenuBar',
  'ShowInToolBar', 'ShowInAddressBar', 'ShowInStatusBar', 'AlwaysReloadOnShow', 'NeverReloadOnCurrentChange'] as const;

function defaults(): Record<string, unknown> {
  const f: Record<string, unknown> = { Rank: 0, Icon: 0, UrlEncoding: 1, VisibleIn: 0 };
  for (const s of STRINGS) f[s] = '';
  for (const b of BOOLS) f[b] = false;
  // New panels show in the web client by default.
  f.OnSalesMarketingWeb = true;
  f.OnCentral = true;
  return f;
}

function read(base: Record<string, unknown>, body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw new SoApiError(400, 'ArgumentException', 'Expected a WebPanelEntity object');
  const f = { ...base };
  for (const s of STRINGS) if (pick(body, s) !== undefined) f[s] = str(pick(body, s), s);
  for (const b of BOOLS) if (pick(body, b) !== undefined) f[b] = bool(pick(body, b), b);
  for (const n of ['Rank', 'Icon']) if (pick(body, n) !== undefined) f[n] = int(pick(body, n), n);
  if (pick(body, 'UrlEncoding') !== undefined) f.UrlEncoding = enumValue(pick(body, 'UrlEncoding'), URL_ENCODING, 'UrlEncoding');
  if (pick(body, 'VisibleIn') !== undefined) f.VisibleIn = enumValue(pick(body, 'VisibleIn'), NAVIGATION, 'VisibleIn');
  return f;
}

function panelJson(id: number, f: Record<string, unknown>): Json {
  return {
    WebPanelId: id,
    ...Object.fromEntries([...STRINGS, ...BOOLS, 'Rank', 'Icon'].map((k) => [k, f[k]])),
    UrlEncoding: enumName(Number(f.UrlEncoding), URL_ENCODING),
    VisibleIn: enumName(Number(f.VisibleIn), NAVIGATION),
    TableRight: { Mask: 'Select, Update, Insert, Delete', Reason: '' },
    FieldProperties: {},
  };
}

export function mountWebPanels(r: Router, api: ApiContext): void {
  const panels = (res: Response) => api.store.tenant(principalOf(res).ctx).webPanels;
  const sorted = (res: Response, filter: (p: WebPanelRow) => boolean = () => true) =>
    [...panels(res).values()].filter(filter).sort((a, b) => a.webPanelId - b.webPanelId);
  const agent = (name: string, h: (req: Request, res: Response) => unknown) =>
    r.post(`/Agents/List/${name}`, (req, res) => {
      const out = h(req, res);
      if (!res.headersSent) res.json(out ?? null);
    });

  agent('CreateDefaultWebPanelEntity', () => panelJson(0, defaults()));
  agent('SaveWebPanelEntity', (req, res) => {
    const id = int(pick(req.body, 'WebPanelId') ?? 0, 'WebPanelId');
    const existing = id ? panels(res).get(id) : undefined;
    if (id && !existing) throw new SoApiError(404, 'SoNotFoundException', `WebPanel with id ${id} not found`);
    const fields = read(existing?.fields ?? defaults(), req.body);
    if (!fields.Name) throw new SoApiError(400, 'ArgumentException', 'WebPanel Name is required');
    const row: WebPanelRow = existing
      ? { ...existing, fields }
      : { webPanelId: api.store.tenant(principalOf(res).ctx).nextId.webPanel++, ownerApp: principalOf(res).appClientId, fields };
    panels(res).set(row.webPanelId, row);
    return panelJson(row.webPanelId, row.fields);
  });
  agent('GetWebPanelEntity', (req, res) => {
    const p = panels(res).get(int(queryParam(req.query, 'webPanelEntityId') ?? 0, 'webPanelEntityId'));
    return p ? panelJson(p.webPanelId, p.fields) : null;
  });
  agent('GetWebPanelList', (_req, res) => sorted(res, (p) => !p.fields.Deleted).map((p) => panelJson(p.webPanelId, p.fields)));
  agent('DeleteWebPanel', (req, res) => {
    panels(res).delete(int(pick(req.body, 'Id') ?? 0, 'Id'));
    res.status(204).end();
  });
  agent('GetWebPanelByProgId', (req, res) => {
    const progId = str(pick(req.body, 'ProgId') ?? '', 'ProgId');
    const p = sorted(res).find((x) => progId && String(x.fields.ProgId) === progId);
    return p ? panelJson(p.webPanelId, p.fields) : null;
  });
  agent('GetAppWebPanels', (_req, res) =>
    sorted(res, (p) => p.ownerApp === principalOf(res).appClientId).map((p) => panelJson(p.webPanelId, p.fields)));
  agent('DeleteAppWebPanels', (_req, res) => {
    for (const p of sorted(res, (x) => x.ownerApp === principalOf(res).appClientId)) panels(res).delete(p.webPanelId);
    res.status(204).end();
  });
}
