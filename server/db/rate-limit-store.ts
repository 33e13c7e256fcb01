// express-rate-limit's Store over the app's PostgreSQL, so a limit holds across nodes. One upsert per
// hit: a window starts on the first hit after the last one ended, and the database's clock decides,
// so nodes with skewed clocks agree. The maintained PostgreSQL store package opens its own pool and
// applies its own schema at start; this keeps to the app's pool, migrations and advisory lock.
import type { Knex } from 'knex';
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';

interface Row {
  hits: number;
  reset_at: Date;
}

export class PostgresRateLimitStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;
  private lastSweep = 0;

  /** `prefix` keeps the counters of different limits apart (one table for all). */
  constructor(
    private readonly db: Knex,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const row = (await this.db('rate_limits').where({ key: this.prefix + key }).andWhere('reset_at', '>', this.db.fn.now()).first('hits', 'reset_at')) as Row | undefined;
    return row && { totalHits: row.hits, resetTime: row.reset_at };
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const { rows } = await this.db.raw<{ rows: Row[] }>(
      `insert into rate_limits (key, hits, reset_at) values (?, 1, now() + make_interval(secs => ?::float8 / 1000))
       on conflict (key) do update set
         hits = case when rate_limits.reset_at <= now() then 1 else rate_limits.hits + 1 end,
         reset_at = case when rate_limits.reset_at <= now() then excluded.reset_at else rate_limits.reset_at end
       returning hits, reset_at`,
      [this.prefix + key, this.windowMs],
    );
    await this.sweep();
    const row = rows[0]!;
    return { totalHits: row.hits, resetTime: row.reset_at };
  }

  async decrement(key: string): Promise<void> {
    await this.db('rate_limits').where({ key: this.prefix + key }).andWhere('hits', '>', 0).decrement('hits', 1);
  }

  async resetKey(key: string): Promise<void> {
    await this.db('rate_limits').where({ key: this.prefix + key }).delete();
  }

  /** At most once a window per process: rows of ended windows go, so the table stays as small as the traffic of one window. */
  private async sweep(): Promise<void> {
    const now = Date.now();
    if (now - this.lastSweep < this.windowMs) return;
    this.lastSweep = now;
    await this.db('rate_limits').where('key', 'like', `${this.prefix}%`).andWhere('reset_at', '<', this.db.fn.now()).delete();
  }
}
