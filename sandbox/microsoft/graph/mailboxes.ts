// Mailboxes are made on first use, so a tenant seeded with 10,000 users costs only their directory
// entries until the benchmark touches their calendars. Users without an Exchange Online mailbox
// answer every calendar call with MailboxNotEnabledForRESTAPI.
import type { DirUser, Directory } from '../directory.ts';
import { invalidUser, mailboxNotEnabled } from './errors.ts';
import { Mailbox, type MailboxChange } from './mailbox.ts';

export class Mailboxes {
  private readonly boxes = new Map<string, Mailbox>();
  private readonly listeners: ((c: MailboxChange) => void)[] = [];

  constructor(
    private readonly dir: Directory,
    /** Zone of mailboxes not set otherwise. */
    private readonly defaultZone: (user: DirUser) => string,
  ) {}

  /** The user's mailbox, made if needed. Throws Graph's errors for an unknown user or one without a mailbox. */
  of(ref: string): Mailbox {
    const user = this.dir.user(ref);
    if (!user) throw invalidUser(ref);
    return this.ofUser(user);
  }

  ofUser(user: DirUser): Mailbox {
    if (!user.hasMailbox) throw mailboxNotEnabled();
    let box = this.boxes.get(user.id);
    if (!box) {
      box = new Mailbox(user, this.defaultZone(user), (c) => this.changed(c), this.dir.now);
      this.boxes.set(user.id, box);
    }
    return box;
  }

  /** Mailboxes made so far (for the control API's counts). */
  get size(): number {
    return this.boxes.size;
  }

  onChange(fn: (c: MailboxChange) => void): void {
    this.listeners.push(fn);
  }

  private changed(c: MailboxChange): void {
    for (const fn of this.listeners) fn(c);
  }
}
