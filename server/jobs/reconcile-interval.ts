// How often every tenant is reconciled (reconcile-all's crontab): the most a lost webhook, or a
// tenant without webhook access, delays a sync. Its own file because both the fan-out and the
// provisioning words for administrators need it, and those two import each other's task names.
export const RECONCILE_INTERVAL_MINUTES = 5;
