import type { IngestResult } from "../incident/incident-service.ts";
import type { ExternalEvent, ParsedDelivery } from "../ingest/types.ts";

/** A delivery as stored before it is answered: enough to parse it again after a crash. */
export interface StoredDeliveryBody {
  headers: Record<string, string>;
  body: string;
  receivedAt: string;
}

export interface DeliveryHandlers {
  ingest(d: { alerts: ParsedDelivery["alerts"]; changes: ParsedDelivery["changes"] }): Promise<IngestResult>;
  /** PagerDuty / Jira events for the sync capability; none until it is wired. */
  external?(events: ExternalEvent[], source: string): Promise<void>;
  /** GETs an SNS SubscribeURL. */
  confirmSubscription?(url: string): Promise<void>;
}
