// The stream of changes of the Microsoft 365 benchmark, made as people make them: in SuperOffice
// (the simulator's editAsUser, which sends the webhooks) and in Outlook (the Graph simulator's
// editAsUser, which sends the notifications). Each active user walks one of two chains of six
// changes over two items, so both directions and create, update and delete all occur, and
// every item is gone from both sides at the end:
//   A: create X in SuperOffice, update X in Outlook, create Y in Outlook, update Y in SuperOffice,
//      delete X in SuperOffice, delete Y in Outlook;
//   B: the same with the sides swapped.
// A change has propagated when the app's write of it lands on the other side: the simulators
// report every change to their stores (onMailboxChange, onAppointmentChange), and the first
// matching one made by someone other than the driver stops the clock. Changes go out round-robin
// over the active users at a steady rate; a user's next change waits until their previous one
// has propagated and settled, so a late write of an earlier change cannot be taken for it.
import type { Rig, BenchUser } from './m365-rig.ts';

export type Direction = 'so->outlook' | 'outlook->so';
type Op = 'create' | 'update' | 'delete';
type Item = 'X' | 'Y';

interface Step {
  /** Where the person makes the change. */
  on: 'so' | 'outlook';
  op: Op;
  item: Item;
}

const CHAIN_A: Step[] = [
  { on: 'so', op: 'create', item: 'X' }, { on: 'outlook', op: 'update', item: 'X' },
  { on: 'outlook', op: 'create', item: 'Y' }, { on: 'so', op: 'update', item: 'Y' },
  { on: 'so', op: 'delete', item: 'X' }, { on: 'outlook', op: 'delete', item: 'Y' },
];
const CHAIN_B: Step[] = CHAIN_A.map((s) => ({ ...s, on: s.on === 'so' ? 'outlook' : 'so' }));
export const CHAIN_LENGTH = CHAIN_A.length;

interface Walker {
  user: BenchUser;
  chain: Step[];
  next: number;
  /** Per item: its SuperOffice appointment id and its Outlook event id, as they become known. */
  items: Record<Item, { so?: number; outlook?: string }>;
  pending?: { step: Step; t0: number };
  /** When the previous change propagated (performance.now()); the next waits SETTLE_MS after it. */
  settledFrom: number;
}

export interface StreamResult {
  samples: Array<{ direction: Direction; op: Op; ms: number }>;
  /** Changes that never appeared on the other side within the timeout. */
  lost: Array<{ direction: Direction; op: Op; user: string }>;
  /** Writes the app made that were not the propagation of a pending change (stamps, echoes). */
  otherWrites: { so: number; outlook: number };
  /** The planned rate could not be kept: the stream waited this long in all for users to settle. */
  stalledMs: number;
  durationMs: number;
}

const SETTLE_MS = 3000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const DAY = 86_400_000;

export async function runStream(rig: Rig, opts: { users: BenchUser[]; ratePerS: number; timeoutMs: number }): Promise<StreamResult> {
  const walkers: Walker[] = opts.users.map((user, i) => ({ user, chain: i % 2 ? CHAIN_B : CHAIN_A, next: 0, items: { X: {}, Y: {} }, settledFrom: 0 }));
  const byUpn = new Map(walkers.map((w) => [w.user.upn.toLowerCase(), w]));
  const byAssociate = new Map(walkers.map((w) => [w.user.associateId, w]));
  const result: StreamResult = { samples: [], lost: [], otherWrites: { so: 0, outlook: 0 }, stalledMs: 0, durationMs: 0 };
  let driving = false;
  let finished = false;
  let base = Date.parse('2027-01-04T08:00:00Z');
  if (base < Date.now() + DAY) base = Math.ceil((Date.now() + 2 * DAY) / DAY) * DAY + 8 * 3_600_000;
  let slot = 0;
  const nextSlot = () => {
    // Distinct, in the window (30 days back, 180 ahead), during the day in UTC.
    const s = slot++;
    return new Date(base + (s % 90) * DAY + (Math.floor(s / 90) % 10) * 3_600_000);
  };

  const directionOf = (s: Step): Direction => (s.on === 'so' ? 'so->outlook' : 'outlook->so');
  const arrived = (w: Walker, at: number) => {
    const p = w.pending!;
    result.samples.push({ direction: directionOf(p.step), op: p.step.op, ms: at - p.t0 });
    w.pending = undefined;
    w.settledFrom = at;
  };

  rig.ms.control.onMailboxChange((c) => {
    if (driving || finished) return;
    const at = performance.now();
    const w = byUpn.get(c.user.toLowerCase());
    const p = w?.pending;
    const item = p && w.items[p.step.item];
    const expected = { create: 'created', update: 'updated', delete: 'deleted' } as const;
    if (p && item && p.step.on === 'so' && c.changeType === expected[p.step.op] && (p.step.op === 'create' || c.eventId === item.outlook)) {
      if (p.step.op === 'create') item.outlook = c.eventId;
      arrived(w, at);
    } else result.otherWrites.outlook++;
  });
  rig.so.api.onAppointmentChange((ctx, c) => {
    if (driving || finished || ctx !== rig.ctx) return;
    const at = performance.now();
    const w = byAssociate.get(c.associateId);
    const p = w?.pending;
    const item = p && w.items[p.step.item];
    const expected = { create: 'created', update: 'changed', delete: 'deleted' } as const;
    if (p && item && p.step.on === 'outlook' && c.kind === expected[p.step.op] && (p.step.op === 'create' || c.appointmentId === item.so)) {
      if (p.step.op === 'create') item.so = c.appointmentId;
      arrived(w, at);
    } else result.otherWrites.so++;
  });

  /** Makes the walker's next change as its user would; the driver's own store changes are not counted. */
  const act = (w: Walker) => {
    const step = w.chain[w.next++]!;
    const item = w.items[step.item];
    const { upn, associateId } = w.user;
    const start = nextSlot();
    const end = new Date(start.getTime() + 3_600_000);
    const label = `${step.item}-${w.user.n}-${w.next}`;
    driving = true;
    try {
      w.pending = { step, t0: performance.now() };
      if (step.on === 'so') {
        if (step.op === 'create') {
          const a = rig.so.api.editAsUser(rig.ctx, associateId, { op: 'create', appointment: { Title: `Visit ${label}`, StartDate: start.toISOString(), EndDate: end.toISOString(), Location: 'Office' } });
          item.so = Number(a?.AppointmentId);
        } else if (step.op === 'update') {
          rig.so.api.editAsUser(rig.ctx, associateId, { op: 'update', appointmentId: item.so!, changes: { Title: `Moved ${label}`, StartDate: start.toISOString(), EndDate: end.toISOString() } });
        } else rig.so.api.editAsUser(rig.ctx, associateId, { op: 'delete', appointmentId: item.so! });
      } else {
        const utc = (d: Date) => ({ dateTime: d.toISOString().slice(0, 19), timeZone: 'UTC' });
        if (step.op === 'create') {
          const e = rig.ms.control.editAsUser(upn, { op: 'create', event: { subject: `Call ${label}`, start: utc(start), end: utc(end) } });
          item.outlook = String(e?.id);
        } else if (step.op === 'update') {
          rig.ms.control.editAsUser(upn, { op: 'update', eventId: item.outlook!, changes: { subject: `Renamed ${label}`, location: { displayName: 'Room 2' } } });
        } else rig.ms.control.editAsUser(upn, { op: 'delete', eventId: item.outlook! });
      }
    } finally {
      driving = false;
    }
  };

  const t0 = performance.now();
  const intervalMs = 1000 / opts.ratePerS;
  const total = walkers.length * CHAIN_LENGTH;
  for (let k = 0; k < total; k++) {
    const w = walkers[k % walkers.length]!;
    const due = t0 + k * intervalMs + result.stalledMs;
    if (due > performance.now()) await sleep(due - performance.now());
    const waitFrom = performance.now();
    while (w.pending && performance.now() - w.pending.t0 < opts.timeoutMs) await sleep(20);
    if (w.pending) {
      // Never arrived: counted as lost, and the rest of this user's chain is abandoned.
      result.lost.push({ direction: directionOf(w.pending.step), op: w.pending.step.op, user: w.user.upn });
      w.pending = undefined;
      w.next = CHAIN_LENGTH;
    }
    const settle = w.settledFrom + SETTLE_MS - performance.now();
    if (w.next > 0 && settle > 0) await sleep(settle);
    result.stalledMs += performance.now() - waitFrom;
    if (w.next < CHAIN_LENGTH) act(w);
  }
  const deadline = performance.now() + opts.timeoutMs;
  while (walkers.some((w) => w.pending) && performance.now() < deadline) await sleep(50);
  for (const w of walkers) if (w.pending) result.lost.push({ direction: directionOf(w.pending.step), op: w.pending.step.op, user: w.user.upn });
  result.durationMs = performance.now() - t0;
  finished = true;
  return result;
}
