import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

// Return bigint counts and ids as JS numbers (ours stay far below 2^53) and keep timestamps as Date.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export type Db = Knex;

export function createDb(url: string, poolMax = 10): Db {
  return knexFactory({
    client: 'pg',
    connection: { connectionString: url, application_name: 'calendar-sync' },
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 10_000,
  });
}
