-- The discovered service graph. One row per (service, source) and per (edge, source): which source
-- said so (kubernetes, service-graph, istio, linkerd) and when it first and last did, in the
-- system's time. Rows not seen again within the maximum age are deleted (edges age out).
CREATE TABLE topology_services (
  name        TEXT NOT NULL,
  source      TEXT NOT NULL,
  attributes  JSONB NOT NULL DEFAULT '{}',
  first_seen  TIMESTAMPTZ NOT NULL,
  last_seen   TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (name, source)
);

CREATE TABLE topology_edges (
  from_service  TEXT NOT NULL,
  to_service    TEXT NOT NULL,
  source        TEXT NOT NULL,
  evidence      TEXT,
  first_seen    TIMESTAMPTZ NOT NULL,
  last_seen     TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (from_service, to_service, source)
);

CREATE INDEX topology_edges_last_seen ON topology_edges (last_seen);
CREATE INDEX topology_services_last_seen ON topology_services (last_seen);
