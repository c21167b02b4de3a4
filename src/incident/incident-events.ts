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
  /** The card's headline changed (what the incident is now understood to be): the incident and the new headline. */
  headline: [Incident, string];
}

/**
 * The same emitter seen through Node's untyped signature. Its typed `on` resolves the listener type with a
 * conditional that TypeScript cannot narrow for a generic event name, so `subscribe` registers through this.
 */
const untyped = (e: EventEmitter<IncidentEventMap>): EventEmitter => e;

export class IncidentEvents extends EventEmitter<IncidentEventMap> {
  /** Adds a listener and returns the function that removes it (for a service's stop()). */
  subscribe<K extends keyof IncidentEventMap>(name: K, fn: (...args: IncidentEventMap[K]) => void): () => void {
    const emitter = untyped(this);
    const listener = fn as (...args: unknown[]) => void;
    emitter.on(name, listener);
    return () => emitter.off(name, listener);
  }
}

/**
 * An incident event as stored for a durable consumer (`incident_events`): the incident as it was
 * when the change committed, and the change's details.
 */
export type DurableIncidentEvent =
  | { kind: "opened"; incident: Incident }
  | { kind: "alerts"; incident: Incident }
  | { kind: "changes"; incident: Incident }
  | { kind: "status"; incident: Incident; from: IncidentStatus; by: string }
  | { kind: "severity"; incident: Incident; by: string; from: Severity }
  | { kind: "headline"; incident: Incident; headline: string }
  /** An escalation of the incident's page to `toLevel` with its note (written once: the note carries `writeId`). */
  | { kind: "escalate"; incident: Incident; reason: string; by: string; writeId: string; toLevel: number; pageId: string };

/**
 * Kinds whose handling a later event of the same kinds (same incident and consumer) makes redundant:
 * they refresh what follows the whole incident (the Jira timeline field), whatever alerts came.
 */
export const COALESCED_EVENT_KINDS: readonly string[] = ["alerts", "changes"];

/** How long such an event waits for more of its kind to fold into it before it is handled. */
export const COALESCE_EVENTS_MS = 1000;

/**
 * What a consumer's handler may return to have the event handled again later instead of now: the
 * event stays in the store (any replica takes it when it is due), its attempts start over, and later
 * events of the coalesced kinds fold into it while it waits. The relay does not wait when a later
 * event of the incident already waits for the consumer (it is handled again at once, then with
 * `waiting`), so a status change is never held up behind it.
 */
export class HandleLater {
  readonly inMs: number;
  constructor(inMs: number) {
    this.inMs = Math.max(0, inMs);
  }
}

/** What the relay tells a handler beside the event. */
export interface DurableEventContext {
  /** A later event of the same incident waits for this consumer: do not put this one off. */
  waiting: boolean;
}

/** Where the incident service writes durable events: who consumes them, and a nudge after commit. */
export interface DurableEventSink {
  consumers(): string[];
  poke(): void;
}
