import type { Db } from "../db.ts";
import { iso, json } from "../rows.ts";

/** A service as one discovery source saw it. */
export interface SeenService {
  name: string;
  source: string;
  attributes: Record<string, string>;
  firstSeen: string;
  lastSeen: string;
}

/** A call edge (`from` calls `to`) as one discovery source saw it; `evidence` says how. */
export interface SeenEdge {
  from: string;
  to: string;
  source: string;
  evidence?: string;
  firstSeen: string;
  lastSeen: string;
}

/** What one source observed in one discovery run. */
export interface SourceObservation {
  source: string;
  services: Array<{ name: string; attributes?: Record<string, string> }>;
  edges: Array<{ from: string; to: string; evidence?: string }>;
}

/**
 * The discovered service graph with provenance (source) and freshness (first/last seen), shared
 * by every replica. Recording an observation keeps `first_seen` and moves `last_seen`.
 */
export class TopologyRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /** Records what a source saw at `at` (one transaction: readers see all of it or none). */
  async record(observation: SourceObservation, at: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const s of observation.services) {
        await tx.query(
          `INSERT INTO topology_services (name, source, attributes, first_seen, last_seen) VALUES ($1, $2, $3, $4, $4)
           ON CONFLICT (name, source) DO UPDATE SET attributes = EXCLUDED.attributes,
             last_seen = GREATEST(topology_services.last_seen, EXCLUDED.last_seen),
             first_seen = LEAST(topology_services.first_seen, EXCLUDED.first_seen)`,
          [s.name, observation.source, json(s.attributes ?? {}), at],
        );
      }
      for (const e of observation.edges) {
        await tx.query(
          `INSERT INTO topology_edges (from_service, to_service, source, evidence, first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $5)
           ON CONFLICT (from_service, to_service, source) DO UPDATE SET evidence = COALESCE(EXCLUDED.evidence, topology_edges.evidence),
             last_seen = GREATEST(topology_edges.last_seen, EXCLUDED.last_seen),
             first_seen = LEAST(topology_edges.first_seen, EXCLUDED.first_seen)`,
          [e.from, e.to, observation.source, e.evidence ?? null, at],
        );
      }
    });
  }

  /** Deletes what no source has seen since `cutoff`; returns how many edges aged out. */
  async ageOut(cutoff: Date): Promise<{ edges: number; services: number }> {
    const edges = await this.db.query<{ n: number }>("WITH d AS (DELETE FROM topology_edges WHERE last_seen < $1 RETURNING 1) SELECT count(*)::int AS n FROM d", [cutoff]);
    const services = await this.db.query<{ n: number }>("WITH d AS (DELETE FROM topology_services WHERE last_seen < $1 RETURNING 1) SELECT count(*)::int AS n FROM d", [cutoff]);
    return { edges: Number(edges[0]?.n ?? 0), services: Number(services[0]?.n ?? 0) };
  }

  async services(): Promise<SeenService[]> {
    const rows = await this.db.query<{ name: string; source: string; attributes: Record<string, string>; first_seen: Date; last_seen: Date }>("SELECT name, source, attributes, first_seen, last_seen FROM topology_services ORDER BY name, source");
    return rows.map((r) => ({ name: r.name, source: r.source, attributes: r.attributes ?? {}, firstSeen: iso(r.first_seen), lastSeen: iso(r.last_seen) }));
  }

  async edges(): Promise<SeenEdge[]> {
    const rows = await this.db.query<{ from_service: string; to_service: string; source: string; evidence: string | null; first_seen: Date; last_seen: Date }>("SELECT from_service, to_service, source, evidence, first_seen, last_seen FROM topology_edges ORDER BY from_service, to_service, source");
    return rows.map((r) => ({ from: r.from_service, to: r.to_service, source: r.source, evidence: r.evidence ?? undefined, firstSeen: iso(r.first_seen), lastSeen: iso(r.last_seen) }));
  }
}
