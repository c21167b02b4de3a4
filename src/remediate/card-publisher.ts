import { rootRef, type OutboxSender } from "../incident/outbox-sender.ts";
import type { Logger } from "../log.ts";
import type { Store } from "../store/store.ts";
import type { ActionRecords } from "./action-records.ts";
import type { RemediationPresenter } from "./presenter.ts";
import type { RemediationAction } from "./types.ts";
import { KeyedSerialQueue } from "../domain/keyed-serial.ts";

export const cardPurpose = (actionId: string) => `action:${actionId}`;

/**
 * Posts each action card once in the incident thread and edits it in place as the action moves on.
 * Everything goes through the durable outbox (rate limits, retries, restarts). An edit waits until
 * the post has a ts; edits of one card are queued in order, each rendered from the latest state.
 */
export class ActionCards {
  private readonly store: Store;
  private readonly records: ActionRecords;
  private readonly outbox?: OutboxSender;
  private readonly logger: Logger;
  private readonly defaultChannel: string;
  private readonly presenter: () => RemediationPresenter;
  private readonly buttons: (a: RemediationAction) => Promise<boolean>;
  private readonly serial = new KeyedSerialQueue();
  /** Cards with an edit queued but not started: another request for them is already covered. */
  private readonly queued = new Set<string>();
  private readonly waitMs: number;
  /** Told whenever a card is posted or re-rendered (an action's state changed): Home republishes. */
  private readonly changed?: () => void;

  constructor(o: { store: Store; records: ActionRecords; outbox?: OutboxSender; logger: Logger; defaultChannel: string; presenter: () => RemediationPresenter; buttons: (a: RemediationAction) => Promise<boolean>; waitForPostMs?: number; changed?: () => void }) {
    this.store = o.store;
    this.records = o.records;
    this.outbox = o.outbox;
    this.logger = o.logger;
    this.defaultChannel = o.defaultChannel;
    this.presenter = o.presenter;
    this.buttons = o.buttons;
    this.waitMs = o.waitForPostMs ?? 120_000;
    this.changed = o.changed;
  }

  private async channelOf(incidentId: string): Promise<string> {
    return (await this.store.incidents.get(incidentId))?.channel ?? this.defaultChannel;
  }

  private async render(a: RemediationAction) {
    return a.detail.autonomy === "observe" ? this.presenter().mention(a) : this.presenter().actionCard({ action: a, buttons: await this.buttons(a) });
  }

  async post(a: RemediationAction): Promise<void> {
    const msg = await this.render(a);
    await this.store.outbox.enqueue({
      channel: await this.channelOf(a.incidentId),
      method: "chat.postMessage",
      payload: { ...msg, unfurl_links: false, thread_ts: rootRef(a.incidentId), _meta: { record: { incidentId: a.incidentId, purpose: cardPurpose(a.id) } } },
      dedupeKey: `action-post:${a.id}`,
    });
    this.outbox?.poke();
    this.changed?.();
  }

  /**
   * Takes the card's post out of the queue when it has not gone out yet (its action was withdrawn
   * before anyone could see it: a card posted only to show "withdrawn" is noise in the thread).
   * False when it was posted (or is being posted): edit it instead.
   */
  async cancelPost(a: RemediationAction, why: string): Promise<boolean> {
    const cancelled = await this.store.outbox.cancelUntried(`action-post:${a.id}`, why);
    if (cancelled) this.changed?.();
    return cancelled;
  }

  /** A separate short message in the thread (failures, escalations): what must not be missed. */
  async note(a: RemediationAction, text: string): Promise<void> {
    const msg = this.presenter().note(a, text);
    await this.store.outbox.enqueue({ channel: await this.channelOf(a.incidentId), method: "chat.postMessage", payload: { ...msg, thread_ts: rootRef(a.incidentId) } });
    this.outbox?.poke();
  }

  /** Queues an edit of the card showing the action's current state. */
  refresh(actionId: string): Promise<void> {
    if (this.queued.has(actionId)) return this.serial.settled(actionId);
    this.queued.add(actionId);
    return this.serial
      .run(actionId, () => {
        this.queued.delete(actionId);
        return this.update(actionId);
      })
      .catch((e: unknown) => this.logger.error({ err: e, actionId }, "action card update failed"));
  }

  private async update(actionId: string): Promise<void> {
    const first = await this.records.get(actionId);
    if (!first || first.detail.autonomy === "observe") return;
    const deadline = Date.now() + this.waitMs;
    let ref = await this.store.slackMessages.get(first.incidentId, cardPurpose(actionId));
    while (!ref && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      ref = await this.store.slackMessages.get(first.incidentId, cardPurpose(actionId));
    }
    if (!ref) {
      this.logger.warn({ actionId }, "action card was never posted; skipping its update");
      return;
    }
    const a = (await this.records.get(actionId))!;
    const msg = await this.render(a);
    await this.store.outbox.enqueue({ channel: await this.channelOf(a.incidentId), method: "chat.update", payload: { ...msg, ts: ref.ts, _meta: { incidentId: a.incidentId } } });
    this.outbox?.poke();
    this.changed?.();
  }

  /** Cards with an edit queued or under way. */
  pending(): number {
    return this.serial.size;
  }

  /** Resolves when no card edit is waiting (tests, shutdown). */
  async idle(): Promise<void> {
    await this.serial.idle();
  }
}
