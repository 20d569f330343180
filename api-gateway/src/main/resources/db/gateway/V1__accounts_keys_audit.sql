CREATE TABLE team (
    id          uuid PRIMARY KEY,
    name        text        NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL
);

CREATE TABLE app_user (
    id              uuid PRIMARY KEY,
    name            text        NOT NULL,
    email           text UNIQUE,
    platform_admin  boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL
);

CREATE TABLE membership (
    team_id     uuid        NOT NULL REFERENCES team (id),
    user_id     uuid        NOT NULL REFERENCES app_user (id),
    role        text        NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (team_id, user_id)
);

-- API keys are stored as SHA-256 of the secret: the secret itself is shown once and never kept.
CREATE TABLE api_key (
    id            uuid PRIMARY KEY,
    team_id       uuid        NOT NULL REFERENCES team (id),
    user_id       uuid        NOT NULL REFERENCES app_user (id),
    name          text        NOT NULL,
    prefix        text        NOT NULL,
    key_hash      text        NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_key_team ON api_key (team_id, id);

CREATE TABLE audit_event (
    id          uuid PRIMARY KEY,
    team_id     uuid,
    user_id     uuid,
    api_key_id  uuid,
    method      text        NOT NULL,
    path        text        NOT NULL,
    status      int         NOT NULL,
    remote_addr text,
    at          timestamptz NOT NULL
);
CREATE INDEX audit_event_team ON audit_event (team_id, id);
