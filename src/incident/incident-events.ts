import { EventEmitter } from "node:events";
import type { Alert, ChangeEvent, Severity } from "../domain/alert.ts";
import type { Incident, IncidentStatus } from "../domain/incident.ts";

/** What other capabilities (diagnosis, sync, postmortem) listen to. */
export interface IncidentEventMap {
  opened: [Incident];
  alerts: [Incident, Alert[]];
  changes: [Incident, ChangeEvent[]];
  status: [Incident, IncidentStatus, string];
  /** The incident (with its new severity), who changed it, and the severity before. */
  severity: [Incident, string, Severity];
}

export class IncidentEvents extends EventEmitter<IncidentEventMap> {}
