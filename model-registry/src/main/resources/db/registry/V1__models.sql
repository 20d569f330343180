CREATE TABLE model (
    id           uuid PRIMARY KEY,
    team_id      text        NOT NULL,
    project_id   text        NOT NULL,
    name         text        NOT NULL,
    format       text        NOT NULL,
    description  text,
    last_version int         NOT NULL DEFAULT 0,
    created_by   text        NOT NULL,
    created_at   timestamptz NOT NULL,
    CONSTRAINT model_name_unique UNIQUE (team_id, name)
);
CREATE INDEX model_team_project ON model (team_id, project_id, id);

-- immutable once written: nothing updates a row of this table
CREATE TABLE model_version (
    id          uuid PRIMARY KEY,
    model_id    uuid        NOT NULL REFERENCES model (id) ON DELETE CASCADE,
    team_id     text        NOT NULL,
    number      int         NOT NULL,
    -- one file: its SHA-256; several: the SHA-256 of their manifest ("<sha256>  <path>\n" by path)
    sha256      text        NOT NULL,
    size_bytes  bigint      NOT NULL,
    -- JSON documents: [{path, size, sha256}], {inputs, outputs} (ONNX only), free-form, free-form, {job, ...}
    files       text        NOT NULL,
    signature   text,
    metadata    text,
    metrics     text,
    lineage     text,
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL,
    CONSTRAINT model_version_number_unique UNIQUE (model_id, number)
);

CREATE TABLE model_alias (
    model_id    uuid        NOT NULL REFERENCES model (id) ON DELETE CASCADE,
    alias       text        NOT NULL,
    version_id  uuid        NOT NULL REFERENCES model_version (id) ON DELETE CASCADE,
    updated_by  text        NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (model_id, alias)
);

-- every move of an alias: from_version null when it was created, to_version null when it was removed
CREATE TABLE model_alias_history (
    id           bigserial PRIMARY KEY,
    model_id     uuid        NOT NULL REFERENCES model (id) ON DELETE CASCADE,
    alias        text        NOT NULL,
    from_version int,
    to_version   int,
    changed_by   text        NOT NULL,
    changed_at   timestamptz NOT NULL
);
CREATE INDEX model_alias_history_model ON model_alias_history (model_id, id);
