-- What the root card shows beyond the incident row: impact and the diagnosis summary.
ALTER TABLE incidents ADD COLUMN card JSONB NOT NULL DEFAULT '{}';
