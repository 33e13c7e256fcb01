// Webhook delivery as SuperOffice does it (specs/superoffice.md 4.4, checklist 14): one FIFO queue per
// webhook; each event gets up to 3 attempts per cycle (waits 1 s, 4 s by default), then goes to the
// back of the queue, and is discarded after 3 failed cycles. The EventId stays the same across all of
// them. 9 consecutive failures, or one 410, put the hook in TooManyErrors and drop its queue (those
// events are lost: the receiver must reconcile). The signature is base64 HMAC-SHA256 over the exact
// bytes sent, only when the hook has a Secret. Faults can be injected: drop (the receiver never sees
// it, SuperOffice thinks it was delivered), duplicate (sent twice), reorder (held until the next
// event for that hook, then sent after it).
import { createHmac, randomUUID } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { Agent, fetch } from 'undici';
import type { EventBody } from './activity-events.ts';
import type { ApiStore, WebhookRow } from './store.ts';

export interface WebhookFaults {
  drop: number;
  duplicate: number;
  reorder: number;
}

export interface DeliveryRecord {
  ctx: string;
  webhookId: number;
  eventId: string;
  event: string;
  primaryKey: number;
  /** 0 on the first attempt; the X-SuperOffice-Retry header. */
  retry: number;
  status: number | null;
  outcome: 'delivered' | 'failed' | 'dropped';
  error?: string;
  at: Date;
}

interface Item {
  body: EventBody;
  cycles: number;
  attempts: number;
}

interface HookQueue {
  ctx: string;
  webhookId: number;
  items: Item[];
  running: boolean;
}

interface DispatcherOptions {
  retryDelaysMs: number[];
  ca?: string;
  now: () => Date;
}

const ATTEMPTS_PER_CYCLE = 3;
const CYCLES = 3;
const MAX_CONSECUTIVE_ERRORS = 9;
const ATTEMPT_TIMEOUT_MS = 10_000;
const STATE_TOO_MANY_ERRORS = 3;
const STATE_ACTIVE = 1;

function sign(secret: string, bytes: Buffer): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(bytes).digest('base64');
}

export class Dispatcher {
  private readonly queues = new Map<string, HookQueue>();
  private readonly log: DeliveryRecord[] = [];
  private readonly faults = new Map<string, WebhookFaults>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly stop = new AbortController();
  private readonly agent: Agent;

  constructor(
    private readonly store: ApiStore,
    private readonly opts: DispatcherOptions,
  ) {
    this.agent = new Agent({ connect: { ca: opts.ca ? [...rootCertificates, opts.ca] : undefined } });
  }

  /** Queues `event` for every active hook of the tenant that subscribes to it. */
  publish(ctx: string, event: Omit<EventBody, 'EventId' | 'WebhookName'>): void {
    if (this.stop.signal.aborted) return;
    for (const hook of this.store.tenant(ctx).webhooks.values()) {
      if (hook.state !== STATE_ACTIVE || !hook.events.some((e) => e.toLowerCase() === event.Event.toLowerCase())) continue;
      const q = this.queue(ctx, hook.webhookId);
      q.items.push({ body: { ...event, EventId: randomUUID(), WebhookName: hook.name }, cycles: 0, attempts: 0 });
      this.kick(q);
    }
  }

  /** The single test POST made when a hook is saved; the save stands only on a 200. */
  async test(ctx: string, hook: Pick<WebhookRow, 'webhookId' | 'targetUrl' | 'secret' | 'headers'>, body: EventBody): Promise<{ status: number | null; error?: string }> {
    const r = await this.post(hook, body, 0, { 'X-Hook-Test': 'true' });
    this.record(ctx, hook.webhookId, body, 0, r.status, r.status === 200 ? 'delivered' : 'failed', r.error);
    return r;
  }

  deliveries(ctx?: string): DeliveryRecord[] {
    return this.log.filter((d) => ctx === undefined || d.ctx.toLowerCase() === ctx.toLowerCase());
  }

  injectFaults(ctx: string, f: Partial<WebhookFaults>): void {
    const cur = this.faultsOf(ctx);
    this.faults.set(ctx.toLowerCase(), { drop: f.drop ?? cur.drop, duplicate: f.duplicate ?? cur.duplicate, reorder: f.reorder ?? cur.reorder });
  }

  /** Drops a hook's pending events (it was stopped, deleted or fell into TooManyErrors). */
  discard(ctx: string, webhookId: number): void {
    const q = this.queues.get(`${ctx.toLowerCase()}/${webhookId}`);
    if (q) q.items.length = 0;
  }

  /** Resolves once no hook has a delivery in flight or waiting for a retry. */
  idle(): Promise<void> {
    if (![...this.queues.values()].some((q) => q.running)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.stop.abort();
    for (const q of this.queues.values()) q.items.length = 0;
    await this.agent.close();
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private faultsOf(ctx: string): WebhookFaults {
    return this.faults.get(ctx.toLowerCase()) ?? { drop: 0, duplicate: 0, reorder: 0 };
  }

  private queue(ctx: string, webhookId: number): HookQueue {
    const key = `${ctx.toLowerCase()}/${webhookId}`;
    let q = this.queues.get(key);
    if (!q) {
      q = { ctx, webhookId, items: [], running: false };
      this.queues.set(key, q);
    }
    return q;
  }

  private kick(q: HookQueue): void {
    if (q.running) return;
    q.running = true;
    void this.pump(q).finally(() => {
      q.running = false;
      // Events published while the pump was finishing found it running; pick them up now.
      if (this.sendable(q)) this.kick(q);
      else if (![...this.queues.values()].some((x) => x.running)) for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  private sendable(q: HookQueue): boolean {
    if (this.stop.signal.aborted || !q.items.length) return false;
    return !(this.faultsOf(q.ctx).reorder > 0 && q.items.length < 2);
  }

  private async pump(q: HookQueue): Promise<void> {
    while (q.items.length && !this.stop.signal.aborted) {
      const hook = this.store.tenant(q.ctx).webhooks.get(q.webhookId);
      if (!hook || hook.state !== STATE_ACTIVE) {
        q.items.length = 0;
        return;
      }
      const f = this.faultsOf(q.ctx);
      if (f.reorder > 0) {
        // Hold the event until a later one for this hook arrives, then send the later one first.
        if (q.items.length < 2) return;
        f.reorder--;
        this.faults.set(q.ctx.toLowerCase(), f);
        const [a, b] = q.items.splice(0, 2);
        q.items.unshift(b!, a!);
      }
      const item = q.items.shift()!;
      if (f.drop > 0) {
        f.drop--;
        this.faults.set(q.ctx.toLowerCase(), f);
        this.record(q.ctx, hook.webhookId, item.body, item.attempts, null, 'dropped');
        continue;
      }
      const requeue = await this.cycle(q, hook, item);
      if (requeue) q.items.push(item);
    }
  }

  /** One cycle of up to 3 attempts. True when the event should go to the back of the queue. */
  private async cycle(q: HookQueue, hook: WebhookRow, item: Item): Promise<boolean> {
    for (let i = 0; i < ATTEMPTS_PER_CYCLE; i++) {
      if (i > 0) await this.sleep(this.opts.retryDelaysMs[i - 1] ?? 0);
      if (this.stop.signal.aborted || hook.state !== STATE_ACTIVE) return false;
      const retry = item.attempts++;
      const f = this.faultsOf(q.ctx);
      const copies = f.duplicate > 0 ? 2 : 1;
      if (copies > 1) this.faults.set(q.ctx.toLowerCase(), { ...f, duplicate: f.duplicate - 1 });
      let r: { status: number | null; error?: string } = { status: null };
      for (let k = 0; k < copies; k++) {
        r = await this.post(hook, item.body, retry, {});
        const ok = r.status !== null && r.status >= 200 && r.status < 300;
        this.record(q.ctx, hook.webhookId, item.body, retry, r.status, ok ? 'delivered' : 'failed', r.error);
      }
      hook.totalCalls += 1;
      if (r.status !== null && r.status >= 200 && r.status < 300) {
        hook.consecutiveErrors = 0;
        return false;
      }
      hook.totalErrors += 1;
      hook.consecutiveErrors += 1;
      hook.lastError = r.error ?? `HTTP ${r.status}`;
      if (r.status === 410 || hook.consecutiveErrors >= MAX_CONSECUTIVE_ERRORS) {
        hook.state = STATE_TOO_MANY_ERRORS;
        hook.updated = this.opts.now();
        q.items.length = 0;
        return false;
      }
    }
    item.cycles += 1;
    return item.cycles < CYCLES;
  }

  private async post(
    hook: Pick<WebhookRow, 'targetUrl' | 'secret' | 'headers'>,
    body: EventBody,
    retry: number,
    extra: Record<string, string>,
  ): Promise<{ status: number | null; error?: string }> {
    const bytes = Buffer.from(JSON.stringify(body), 'utf8');
    const headers: Record<string, string> = {
      ...hook.headers,
      'Content-Type': 'application/json; charset=utf-8',
      'User-Agent': 'NetServer-Webhook/8.8.6684.1719',
      'X-SuperOffice-Event': body.Event,
      'X-SuperOffice-EventId': body.EventId,
      'X-SuperOffice-Retry': String(retry),
      ...extra,
    };
    if (hook.secret) headers['X-SuperOffice-Signature'] = sign(hook.secret, bytes);
    try {
      const res = await fetch(hook.targetUrl, {
        method: 'POST', headers, body: bytes, dispatcher: this.agent,
        signal: AbortSignal.any([this.stop.signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
      });
      await res.arrayBuffer().catch(() => undefined); // the response body is ignored
      return { status: res.status, error: res.ok ? undefined : `HTTP ${res.status} ${res.statusText}` };
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      return { status: null, error: cause ?? (err as Error).message };
    }
  }

  private record(ctx: string, webhookId: number, body: EventBody, retry: number, status: number | null, outcome: DeliveryRecord['outcome'], error?: string): void {
    this.log.push({ ctx, webhookId, eventId: body.EventId, event: body.Event, primaryKey: body.PrimaryKey, retry, status, outcome, error, at: this.opts.now() });
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.stop.signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      }, { once: true });
    });
  }
}
