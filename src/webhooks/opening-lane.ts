import type { ParsedDelivery } from "../ingest/types.ts";

/** Alerts remembered per generation (two generations are kept: between 64 Ki and 128 Ki alerts). */
const GENERATION = 65_536;

/** A 30-bit FNV-1a hash (a small integer for V8): a collision only makes a delivery not urgent. */
function hash30(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 2;
}

/**
 * Which deliveries would open an incident: the priority lane of processing. In a storm, processing
 * trails what arrives and a backlog builds; a delivery about a new failure — a service no delivery
 * named lately — would wait behind every update to the incidents already open, and its root message
 * with it. Such a delivery is processed first.
 *
 * Processing it before deliveries that arrived earlier is safe only when none of them is about the
 * same alert (a firing and its resolution must stay in order): a delivery is urgent only when every
 * alert in it is firing, has a service, and has a fingerprint this replica has not seen among the
 * last 64 Ki alerts or more, and at least one of its services has not been named by those either.
 * Every delivery this replica stores or claims is noted here, in arrival order, urgent or not.
 * Until `enable` (the store's backlog left by an earlier process claimed, so that its alerts are
 * noted too) nothing is urgent.
 */
export class OpeningLane {
  private fingerprints = new Set<number>();
  private olderFingerprints = new Set<number>();
  private services = new Set<string>();
  private olderServices = new Set<string>();
  private enabled = false;

  /** From now on deliveries may be urgent. */
  enable(): void {
    this.enabled = true;
  }

  /** Notes a delivery's alerts; true when it would open an incident and may go before earlier ones. */
  classify(parsed: ParsedDelivery): boolean {
    const alone = Boolean(parsed.confirmUrl || parsed.externalEvents?.length);
    let urgent = this.enabled && !alone && parsed.alerts.length > 0;
    let newService = false;
    for (const a of parsed.alerts) {
      const fp = hash30(a.fingerprint);
      if (a.status !== "firing" || !a.service || this.fingerprints.has(fp) || this.olderFingerprints.has(fp)) urgent = false;
      else if (!this.services.has(a.service) && !this.olderServices.has(a.service)) newService = true;
    }
    for (const a of parsed.alerts) this.note(hash30(a.fingerprint), a.service);
    return urgent && newService;
  }

  private note(fp: number, service: string | undefined): void {
    this.fingerprints.add(fp);
    if (service) this.services.add(service);
    if (this.fingerprints.size >= GENERATION) {
      this.olderFingerprints = this.fingerprints;
      this.olderServices = this.services;
      this.fingerprints = new Set();
      this.services = new Set();
    }
  }
}
