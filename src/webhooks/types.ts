import type { IngestResult } from "../incident/incident-service.ts";
import type { ExternalEvent, ParsedDelivery } from "../ingest/types.ts";
import type { Store } from "../store/store.ts";

/** A delivery as stored before it is answered: enough to parse it again after a crash. */
export interface StoredDeliveryBody {
  headers: Record<string, string>;
  body: string;
  receivedAt: string;
}

export interface DeliveryHandlers {
  /**
   * Decides the alerts and changes. `alsoInTransaction`, when given, is run in the transaction that
   * writes what they decided (the processor marks the deliveries processed there: one commit, and
   * no delivery decided but left pending); a handler that does not run it leaves that to the caller.
   */
  ingest(d: { alerts: ParsedDelivery["alerts"]; changes: ParsedDelivery["changes"] }, alsoInTransaction?: (tx: Store) => Promise<void>): Promise<IngestResult>;
  /** PagerDuty / Jira events for the sync capability; none until it is wired. */
  external?(events: ExternalEvent[], source: string): Promise<void>;
  /** GETs an SNS SubscribeURL. */
  confirmSubscription?(url: string): Promise<void>;
}
