// Outbound POSTs to the app: the subscription validation handshake, change notifications and
// lifecycle notifications. A notification not answered 2xx within the timeout (3 s, as Graph
// expects) is retried after the configured delays, then given up. Faults for tests: drop (never
// sent, counted as delivered by Graph's side), duplicate (sent twice), delay (held for a while).
// `idle()` resolves when nothing is in flight or waiting for a retry.
import { randomBytes } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { Agent, fetch } from 'undici';
import type { MsSettings } from '../settings.ts';

export interface NotificationFaults {
  drop: number;
  duplicate: number;
  delay: number;
  delayMs: number;
}

export interface DeliveryRecord {
  kind: 'change' | 'lifecycle';
  subscriptionId: string;
  /** changeType of a change notification, lifecycleEvent of a lifecycle one. */
  event: string;
  resource: string | null;
  url: string;
  attempt: number;
  status: number | null;
  outcome: 'delivered' | 'retrying' | 'failed' | 'dropped';
  error?: string;
  at: Date;
}

interface Job {
  kind: DeliveryRecord['kind'];
  subscriptionId: string;
  event: string;
  resource: string | null;
  url: string;
  body: string;
  attempt: number;
}

const MAX_LOG = 10_000;

export class Notifier {
  private readonly agent: Agent;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly log: DeliveryRecord[] = [];
  private readonly waiters: (() => void)[] = [];
  private pending = 0;
  private closed = false;
  faults: NotificationFaults = { drop: 0, duplicate: 0, delay: 0, delayMs: 0 };
  /** Told when a notification is given up after its last retry. */
  onGiveUp: (subscriptionId: string, kind: DeliveryRecord['kind']) => void = () => {};

  constructor(
    private readonly settings: MsSettings,
    ca: string,
  ) {
    this.agent = new Agent({ connect: { ca: [...rootCertificates, ca] } });
  }

  /** POST ?validationToken=…, text/plain, empty body; the answer must be 200 text/plain with the token. */
  async validate(url: string): Promise<string | null> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomBytes(16).toString('hex')}`;
    const target = new URL(url);
    target.searchParams.set('validationToken', token);
    try {
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: '',
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.settings.validationTimeoutMs),
      });
      const text = await res.text();
      if (res.status !== 200) return `the endpoint answered HTTP ${res.status}`;
      if (!(res.headers.get('content-type') ?? '').toLowerCase().startsWith('text/plain')) return 'the answer was not text/plain';
      if (text !== token) return 'the answer did not echo the validationToken';
      return null;
    } catch (err) {
      return (err as Error).name === 'TimeoutError' ? 'no answer within 10 seconds' : `the request failed: ${(err as Error).message}`;
    }
  }

  send(job: Omit<Job, 'attempt'>): void {
    if (this.closed) return;
    const f = this.faults;
    if (f.drop > 0) {
      f.drop--;
      this.record({ ...job, attempt: 1 }, null, 'dropped');
      return;
    }
    const copies = f.duplicate > 0 ? (f.duplicate--, 2) : 1;
    const wait = f.delay > 0 ? (f.delay--, f.delayMs) : 0;
    for (let i = 0; i < copies; i++) this.schedule({ ...job, attempt: 1 }, wait);
  }

  private schedule(job: Job, waitMs: number): void {
    this.pending++;
    if (waitMs <= 0) {
      void this.attempt(job);
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.attempt(job);
    }, waitMs);
    this.timers.add(t);
  }

  private async attempt(job: Job): Promise<void> {
    let status: number | null = null;
    let error: string | undefined;
    try {
      const res = await fetch(job.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: job.body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.settings.notificationTimeoutMs),
      });
      status = res.status;
      await res.body?.cancel();
    } catch (err) {
      error = (err as Error).name === 'TimeoutError' ? `no answer within ${this.settings.notificationTimeoutMs} ms` : (err as Error).message;
    }
    const ok = status !== null && status >= 200 && status < 300;
    const delay = this.settings.notificationRetryDelaysMs[job.attempt - 1];
    if (ok || this.closed) {
      this.record(job, status, ok ? 'delivered' : 'failed', error);
    } else if (delay === undefined) {
      this.record(job, status, 'failed', error);
      this.onGiveUp(job.subscriptionId, job.kind);
    } else {
      this.record(job, status, 'retrying', error);
      this.schedule({ ...job, attempt: job.attempt + 1 }, delay);
    }
    this.done();
  }

  private record(job: Job, status: number | null, outcome: DeliveryRecord['outcome'], error?: string): void {
    this.log.push({ kind: job.kind, subscriptionId: job.subscriptionId, event: job.event, resource: job.resource, url: job.url, attempt: job.attempt, status, outcome, ...(error ? { error } : {}), at: new Date() });
    if (this.log.length > MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG);
  }

  private done(): void {
    this.pending--;
    if (this.pending > 0) return;
    for (const w of this.waiters.splice(0)) w();
  }

  deliveries(): DeliveryRecord[] {
    return [...this.log];
  }

  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.pending -= this.timers.size;
    this.timers.clear();
    if (this.pending <= 0) for (const w of this.waiters.splice(0)) w();
    await this.agent.destroy();
  }
}
