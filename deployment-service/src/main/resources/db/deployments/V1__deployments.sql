CREATE TABLE deployment (
    id                 uuid PRIMARY KEY,
    team_id            text        NOT NULL,
    project_id         text        NOT NULL,
    name               text        NOT NULL,
    -- what is served: a model version (model_ref as the user wrote it, resolved at the last change)...
    model_ref          text,
    model_id           text,
    model_name         text,
    model_version_id   text,
    model_version      int,
    -- ...or a custom image listening on a port
    image              text,
    command            text,
    port               int,
    health_path        text        NOT NULL,
    machine_type       text,
    min_replicas       int         NOT NULL,
    max_replicas       int         NOT NULL,
    target_concurrency int         NOT NULL,
    -- bumped by every change of what is served; replicas of an older revision are rolled away
    revision           int         NOT NULL,
    desired_replicas   int         NOT NULL,
    stopped            boolean     NOT NULL DEFAULT false,
    status             text        NOT NULL,
    reason             text,
    -- replicas of the current revision that failed since it was set (a crash loop fails the rollout)
    failures           int         NOT NULL DEFAULT 0,
    created_by         text        NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    -- deleted by the team: replicas are being stopped, then the row goes
    deleted_at         timestamptz,
    CONSTRAINT deployment_name_unique UNIQUE (team_id, name)
);
CREATE INDEX deployment_team_project ON deployment (team_id, project_id, id);

CREATE TABLE replica (
    id            uuid PRIMARY KEY,
    deployment_id uuid        NOT NULL REFERENCES deployment (id) ON DELETE CASCADE,
    team_id       text        NOT NULL,
    revision      int         NOT NULL,
    -- Starting, Ready, Unhealthy, Draining
    status        text        NOT NULL,
    reason        text,
    -- the host port a process replica listens on (docker and kubernetes report their own endpoints)
    host_port     int,
    endpoint      text,
    created_at    timestamptz NOT NULL,
    ready_at      timestamptz,
    draining_at   timestamptz
);
CREATE INDEX replica_deployment ON replica (deployment_id);
