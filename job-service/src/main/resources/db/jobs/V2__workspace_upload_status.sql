-- Large workspaces go straight to S3 through a presigned URL; such an upload is usable only once
-- it has been checked like a direct one.
ALTER TABLE workspace_upload ADD COLUMN status text NOT NULL DEFAULT 'ready';
ALTER TABLE workspace_upload ALTER COLUMN status DROP DEFAULT;
