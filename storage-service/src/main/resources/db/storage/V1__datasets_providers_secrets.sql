CREATE TABLE storage_provider (
    id          uuid PRIMARY KEY,
    team_id     text        NOT NULL,
    name        text        NOT NULL,
    endpoint    text,
    region      text        NOT NULL,
    bucket      text        NOT NULL,
    path_style  boolean     NOT NULL,
    -- access key and secret key, AES-GCM under the key named by key_id (never returned)
    credentials bytea       NOT NULL,
    key_id      text        NOT NULL,
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL,
    CONSTRAINT storage_provider_name_unique UNIQUE (team_id, name)
);

CREATE TABLE dataset (
    id                  uuid PRIMARY KEY,
    team_id             text        NOT NULL,
    project_id          text        NOT NULL,
    name                text        NOT NULL,
    description         text,
    storage_provider_id uuid REFERENCES storage_provider (id),
    last_version        int         NOT NULL DEFAULT 0,
    created_by          text        NOT NULL,
    created_at          timestamptz NOT NULL,
    CONSTRAINT dataset_name_unique UNIQUE (team_id, name)
);

CREATE TABLE dataset_version (
    id              uuid PRIMARY KEY,
    dataset_id      uuid        NOT NULL REFERENCES dataset (id) ON DELETE CASCADE,
    team_id         text        NOT NULL,
    number          int         NOT NULL,
    status          text        NOT NULL,
    message         text,
    produced_by_job text,
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL,
    committed_at    timestamptz,
    CONSTRAINT dataset_version_number_unique UNIQUE (dataset_id, number)
);
-- one output version per (dataset, job): a job-service that retries after a crash gets the same draft
CREATE UNIQUE INDEX dataset_version_job ON dataset_version (dataset_id, produced_by_job) WHERE produced_by_job IS NOT NULL;

CREATE TABLE dataset_file (
    version_id  uuid        NOT NULL REFERENCES dataset_version (id) ON DELETE CASCADE,
    -- byte order, so that paging by path is the same on every database locale
    path        text        COLLATE "C" NOT NULL,
    -- a fresh key per upload, under the version's prefix: bytes are never written twice to one key
    object_key  text        NOT NULL,
    size_bytes  bigint      NOT NULL,
    sha256      text,
    -- false until the bytes in S3 were hashed and matched sha256 (presigned uploads: at commit)
    verified    boolean     NOT NULL,
    uploaded_at timestamptz NOT NULL,
    PRIMARY KEY (version_id, path)
);

CREATE TABLE dataset_tag (
    dataset_id  uuid        NOT NULL REFERENCES dataset (id) ON DELETE CASCADE,
    tag         text        NOT NULL,
    version_id  uuid        NOT NULL REFERENCES dataset_version (id) ON DELETE CASCADE,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (dataset_id, tag)
);

CREATE TABLE dataset_upload (
    id            uuid PRIMARY KEY,
    version_id    uuid        NOT NULL REFERENCES dataset_version (id) ON DELETE CASCADE,
    team_id       text        NOT NULL,
    path          text        NOT NULL,
    object_key    text        NOT NULL,
    s3_upload_id  text        NOT NULL,
    size_bytes    bigint      NOT NULL,
    part_size     bigint      NOT NULL,
    sha256        text,
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL
);

-- who uses a version: a job that read or wrote it, a model whose lineage names it
CREATE TABLE dataset_version_usage (
    version_id  uuid        NOT NULL REFERENCES dataset_version (id) ON DELETE CASCADE,
    team_id     text        NOT NULL,
    used_by     text        NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (version_id, used_by)
);
CREATE INDEX dataset_version_usage_user ON dataset_version_usage (team_id, used_by);

CREATE TABLE secret (
    id          uuid PRIMARY KEY,
    team_id     text        NOT NULL,
    -- empty for a team secret
    project_id  text        NOT NULL,
    name        text        NOT NULL,
    ciphertext  bytea       NOT NULL,
    key_id      text        NOT NULL,
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CONSTRAINT secret_name_unique UNIQUE (team_id, project_id, name)
);
