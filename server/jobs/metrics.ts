// Job queue metrics on the shared registry. Labelled by task name only: tenant and link ids are
// unbounded and would make every series per customer.
import { Counter, Histogram } from 'prom-client';
import { registry } from '../metrics.ts';

const task = ['task'] as const;

export const jobsStarted = new Counter({
  name: 'queue_jobs_started_total',
  help: 'Jobs this process started, by task',
  labelNames: task,
  registers: [registry],
});

export const jobsSucceeded = new Counter({
  name: 'queue_jobs_succeeded_total',
  help: 'Jobs that completed successfully, by task',
  labelNames: task,
  registers: [registry],
});

export const jobsFailed = new Counter({
  name: 'queue_jobs_failed_total',
  help: 'Job attempts that failed and go to retry with backoff (or fail for good), by task',
  labelNames: task,
  registers: [registry],
});

export const jobsRescheduled = new Counter({
  name: 'queue_jobs_rescheduled_total',
  help: 'Jobs deferred by RetryLaterError (e.g. Retry-After), by task',
  labelNames: task,
  registers: [registry],
});

export const jobDuration = new Histogram({
  name: 'queue_job_duration_seconds',
  help: 'Time a job ran in this process, whatever its outcome, by task',
  labelNames: task,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  registers: [registry],
});

export const jobsRecovered = new Counter({
  name: 'queue_jobs_recovered_total',
  help: 'Jobs unlocked because the worker holding them stopped heartbeating',
  registers: [registry],
});
