// Counts of Graph requests, for tests and the benchmark's API-call figures: in all, per endpoint
// (method + route pattern, e.g. `GET /users/:user/calendarView/delta`) and per mailbox (by user
// principal name). HTTP requests and $batch members are counted apart: `total` and `byEndpoint` are
// HTTP requests as the app sent them (a $batch is one), `batchMembers` the requests inside batches;
// `byMailbox` counts both, since both count against a mailbox's limits. The last few thousand
// requests are kept in full for tests that look at headers such as Retry-Attempt.

export interface RequestRecord {
  method: string;
  endpoint: string;
  mailbox: string | null;
  status: number;
  batchMember: boolean;
  /** The Graph client's RetryHandler sets `Retry-Attempt: n` on its retries. */
  retryAttempt: number | null;
  at: Date;
}

export interface RequestCounts {
  total: number;
  batchMembers: number;
  byEndpoint: Record<string, number>;
  byMailbox: Record<string, number>;
  byStatus: Record<string, number>;
}

const MAX_RECENT = 5000;

export class RequestLog {
  private total = 0;
  private batchMembers = 0;
  private readonly byEndpoint = new Map<string, number>();
  private readonly byMailbox = new Map<string, number>();
  private readonly byStatus = new Map<string, number>();
  private readonly recentList: RequestRecord[] = [];

  record(r: RequestRecord): void {
    const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    if (r.batchMember) this.batchMembers++;
    else {
      this.total++;
      bump(this.byEndpoint, r.endpoint);
    }
    bump(this.byStatus, String(r.status));
    if (r.mailbox) bump(this.byMailbox, r.mailbox);
    this.recentList.push(r);
    if (this.recentList.length > MAX_RECENT) this.recentList.splice(0, this.recentList.length - MAX_RECENT);
  }

  counts(): RequestCounts {
    return {
      total: this.total,
      batchMembers: this.batchMembers,
      byEndpoint: Object.fromEntries(this.byEndpoint),
      byMailbox: Object.fromEntries(this.byMailbox),
      byStatus: Object.fromEntries(this.byStatus),
    };
  }

  recent(): RequestRecord[] {
    return [...this.recentList];
  }

  reset(): void {
    this.total = 0;
    this.batchMembers = 0;
    this.byEndpoint.clear();
    this.byMailbox.clear();
    this.byStatus.clear();
    this.recentList.length = 0;
  }
}
