import type { StoredDigestAlert } from "../store/repos/digests.ts";
import type { Store } from "../store/store.ts";
import { type DigestFold, type DigestView, foldTimeline } from "./digest.ts";

/** Alert lines read for a render: more than a Slack section shows (it says how many more). */
const SHOWN_ALERTS = 60;
/** Services kept for the chart select (it offers at most 20 choices). */
const SERVICES = 20;

/**
 * The incident's digest, from its fold in the store brought up to date: only the timeline entries
 * after the last one folded are read, only the alerts they name are loaded and written, and only the
 * alerts shown are read back, so a render costs what changed, not the incident's size (a storm's
 * incident has tens of thousands of alerts). The same view `digestFromTimeline` gives for what it
 * shows; the totals say how many there are in all.
 *
 * Folding after an id is sound because every entry the digest reads (alert, anomaly, change) is
 * appended under the `correlate` lock (the incident service's decisions, the anomaly reporter), so
 * such entries commit in id order. Run it in the render's transaction; it throws when another
 * replica folded the same incident meanwhile (the render is then tried again).
 */
export async function foldedDigest(s: Store, incidentId: string): Promise<DigestView> {
  const prev = await s.digests.state(incidentId);
  let state = prev;
  const entries = await s.timeline.listAfter(incidentId, prev?.foldedTo ?? 0, ["alert", "anomaly", "change"]);
  const last = entries.at(-1);
  if (last) {
    const fingerprints = [...new Set(entries.flatMap((e) => (e.kind === "alert" && typeof e.data.fingerprint === "string" ? [e.data.fingerprint] : [])))];
    const before = await s.digests.alerts(incidentId, fingerprints);
    const fold: DigestFold = {
      alerts: new Map(before),
      anomalies: new Map((prev?.rest.anomalies ?? []).map((a) => [a.key, a])),
      changes: new Map((prev?.rest.changes ?? []).map((c) => [c.change.id, c])),
      ...(prev?.rest.updatedAt ? { updatedAt: prev.rest.updatedAt } : {}),
    };
    foldTimeline(fold, entries);
    let firing = prev?.firing ?? 0;
    let resolved = prev?.resolved ?? 0;
    const services = [...(prev?.rest.services ?? [])];
    const upserts: StoredDigestAlert[] = [];
    const removed: string[] = [];
    for (const fp of fingerprints) {
      const was = before.get(fp);
      const now = fold.alerts.get(fp);
      if (was?.status === "firing") firing--;
      else if (was) resolved--;
      if (now) {
        if (now.status === "firing") firing++;
        else resolved++;
        upserts.push(now);
      } else if (was) removed.push(fp);
    }
    for (const a of [...upserts].sort((x, y) => x.seq - y.seq)) if (a.service && services.length < SERVICES && !services.includes(a.service)) services.push(a.service);
    state = { foldedTo: last.id, firing, resolved, rest: { anomalies: [...fold.anomalies.values()], changes: [...fold.changes.values()], services, ...(fold.updatedAt ? { updatedAt: fold.updatedAt } : {}) } };
    if (!(await s.digests.save(incidentId, prev?.foldedTo, state, upserts, removed))) throw new Error(`the digest of ${incidentId} was folded meanwhile by another replica`);
    // Alerts moved to another incident (rare): the services still named are read again.
    if (removed.length > 0) {
      const again = { ...state, rest: { ...state.rest, services: await s.digests.services(incidentId, SERVICES) } };
      await s.digests.save(incidentId, state.foldedTo, again, [], []);
      state = again;
    }
  }
  if (!state) return { incidentId, alerts: [], anomalies: [], changes: [] };
  const alerts = state.firing + state.resolved > 0 ? await s.digests.shown(incidentId, SHOWN_ALERTS) : [];
  return {
    incidentId,
    alerts,
    anomalies: state.rest.anomalies,
    changes: state.rest.changes,
    ...(state.rest.updatedAt ? { updatedAt: state.rest.updatedAt } : {}),
    alertTotals: { firing: state.firing, resolved: state.resolved, services: state.rest.services },
  };
}
