-- Postmortems: one per incident. `generated` is the last document aisre drafted from the timeline;
-- `edits` holds what people changed (section → text), kept across regenerations and applied on top;
-- `follow_ups` maps action items to the Jira issues created for them.
CREATE TABLE postmortems (
  incident_id   TEXT PRIMARY KEY REFERENCES incidents (id),
  status        TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'in_review', 'final')),
  generated     JSONB NOT NULL,
  edits         JSONB NOT NULL DEFAULT '{}',
  follow_ups    JSONB NOT NULL DEFAULT '{}',
  narrative     TEXT NOT NULL DEFAULT 'template',
  version       INTEGER NOT NULL DEFAULT 1,
  updated_by    TEXT,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
