import { EventEmitter } from "node:events";
import type { Alert, ChangeEvent } from "../domain/alert.ts";
import type { Incident, IncidentStatus } from "../domain/incident.ts";

/** What other capabilities (diagnosis, sync, postmortem) listen to. */
export interface IncidentEventMap {
  opened: [Incident];
  alerts: [Incident, Alert[]];
  changes: [Incident, ChangeEvent[]];
  status: [Incident, IncidentStatus, string];
  severity: [Incident, string];
}

export class IncidentEvents extends EventEmitter<IncidentEventMap> {}
