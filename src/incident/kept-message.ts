import type { SlackMessage } from "./presenter.ts";
import { rootRef, type OutboxSender } from "./outbox-sender.ts";
import type { Logger } from "../log.ts";
import type { Store } from "../store/store.ts";

/**
 * A message in an incident's thread that is posted once and then edited in place (the paging card,
 * the postmortem draft), through the durable Slack outbox. The first call queues a post recorded
 * under a purpose; later calls queue one coalesced chat.update of the recorded message. A change
 * that arrives while the first post is on its way is sent as an update once the post is recorded.
 */
export class KeptMessages {
  private readonly store: Store;
  private readonly outbox?: OutboxSender;
  private readonly defaultChannel: string;
  private readonly logger: Logger;
  /** Latest content per incident+purpose whose post was queued but not yet recorded. */
  private readonly waiting = new Map<string, { incidentId: string; purpose: string; channel: string; message: SlackMessage; changed: boolean }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly pollMs: number;

  constructor(o: { store: Store; outbox?: OutboxSender; defaultChannel: string; logger: Logger; pollMs?: number }) {
    this.store = o.store;
    this.outbox = o.outbox;
    this.defaultChannel = o.defaultChannel;
    this.logger = o.logger;
    this.pollMs = o.pollMs ?? 500;
  }

  /** Posts (first time) or edits the incident's message for this purpose. */
  async upsert(incidentId: string, purpose: string, message: SlackMessage): Promise<void> {
    const incident = await this.store.incidents.get(incidentId);
    if (!incident) return;
    const channel = incident.channel ?? this.defaultChannel;
    const key = `${incidentId}\u0000${purpose}`;
    const posted = await this.store.slackMessages.get(incidentId, purpose);
    if (posted) {
      await this.store.outbox.enqueueOrReplace({ channel, method: "chat.update", payload: { ...message, ts: posted.ts, _meta: { incidentId } }, dedupeKey: `${purpose}-update:${incidentId}` });
    } else {
      const pending = this.waiting.get(key);
      // Replaces the queued post's content while it waits; if it is already being sent, the
      // recorded message gets this content as an update (see check()).
      const replaced = await this.store.outbox.enqueueOrReplace({
        channel,
        method: "chat.postMessage",
        payload: { ...message, thread_ts: rootRef(incidentId), unfurl_links: false, _meta: { record: { incidentId, purpose } } },
        dedupeKey: `${purpose}-post:${incidentId}`,
      });
      this.waiting.set(key, { incidentId, purpose, channel, message, changed: pending !== undefined || !replaced });
      this.schedule();
    }
    this.outbox?.poke();
  }

  /** The recorded message, once posted. */
  posted(incidentId: string, purpose: string) {
    return this.store.slackMessages.get(incidentId, purpose);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting.clear();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.check().catch((e: unknown) => this.logger.warn({ err: e }, "checking kept thread messages failed"));
    }, this.pollMs);
    this.timer.unref?.();
  }

  private async check(): Promise<void> {
    // Every waiting post looked up in one statement (in a storm each new incident's paging card waits
    // here, its root post paced, and each was asked after on its own every poll).
    const waiting = [...this.waiting];
    const recorded = new Map((await this.store.slackMessages.getMany(waiting.map(([, w]) => w))).map((m) => [`${m.incidentId}\u0000${m.purpose}`, m]));
    for (const [key, w] of waiting) {
      const posted = recorded.get(key);
      if (!posted) continue;
      // Replaced meanwhile (an upsert while this looked): that one is checked at the next poll.
      if (this.waiting.get(key) !== w) continue;
      this.waiting.delete(key);
      if (w.changed) {
        await this.store.outbox.enqueueOrReplace({ channel: w.channel, method: "chat.update", payload: { ...w.message, ts: posted.ts, _meta: { incidentId: w.incidentId } }, dedupeKey: `${w.purpose}-update:${w.incidentId}` });
        this.outbox?.poke();
      }
    }
    if (this.waiting.size > 0) this.schedule();
  }
}
