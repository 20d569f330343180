CREATE TABLE notebook (
    id                   uuid PRIMARY KEY,
    team_id              text        NOT NULL,
    project_id           text        NOT NULL,
    name                 text        NOT NULL,
    -- null: the configured default Jupyter image
    image                text,
    machine_type         text        NOT NULL,
    auto_shutdown_hours  int         NOT NULL,
    -- JSON array of {dataset, mountAs, versionId, ref}: the versions resolved at create time
    inputs               text        NOT NULL,
    -- what the user asked for: run, or not
    stopped              boolean     NOT NULL DEFAULT false,
    status               text        NOT NULL,
    reason               text,
    -- Jupyter's token for the current run: only this service sends it, to Jupyter itself
    token                text,
    -- the loopback port of a process-runtime run (docker and kubernetes report their endpoints)
    host_port            int,
    -- where the current run's Jupyter answers, once it does
    endpoint             text,
    run_started_at       timestamptz,
    -- the last activity Jupyter reported (/api/status, busy kernels), for idle culling
    last_activity_at     timestamptz,
    created_by           text        NOT NULL,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    -- deleted by the team: the run is being stopped, then the row goes
    deleted_at           timestamptz,
    CONSTRAINT notebook_name_unique UNIQUE (team_id, name)
);
CREATE INDEX notebook_team_project ON notebook (team_id, project_id, id);
