-- what a job reads and writes through storage-service: secret names (values are fetched when the
-- workload starts, never stored here), input dataset versions resolved at create time, outputs and
-- the versions they became
ALTER TABLE job ADD COLUMN secrets text NOT NULL DEFAULT '[]';
ALTER TABLE job ADD COLUMN inputs  text NOT NULL DEFAULT '[]';
ALTER TABLE job ADD COLUMN outputs text NOT NULL DEFAULT '[]';
