CREATE TABLE project (
    id              uuid PRIMARY KEY,
    team_id         text        NOT NULL,
    name            text        NOT NULL,
    description     text,
    repository_url  text,
    repository_ref  text,
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT project_name_unique UNIQUE (team_id, name)
);

CREATE TABLE workspace_upload (
    id          uuid PRIMARY KEY,
    team_id     text        NOT NULL,
    file_name   text        NOT NULL,
    size_bytes  bigint      NOT NULL,
    unpacked_bytes bigint   NOT NULL,
    object_key  text        NOT NULL,
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX workspace_upload_team ON workspace_upload (team_id, id);

CREATE TABLE job (
    id                  uuid PRIMARY KEY,
    team_id             text        NOT NULL,
    project_id          uuid        NOT NULL REFERENCES project (id),
    name                text        NOT NULL,
    image               text        NOT NULL,
    command             text        NOT NULL,
    machine_type        text        NOT NULL,
    workspace_upload_id uuid,
    git_url             text,
    git_ref             text,
    env                 text        NOT NULL DEFAULT '{}',
    ports               text        NOT NULL DEFAULT '[]',
    max_runtime_seconds bigint      NOT NULL,
    retries             int         NOT NULL,
    attempt             int         NOT NULL DEFAULT 0,
    status              text        NOT NULL,
    reason              text,
    exit_code           int,
    endpoints           text        NOT NULL DEFAULT '{}',
    stop_requested      boolean     NOT NULL DEFAULT false,
    deadline_exceeded   boolean     NOT NULL DEFAULT false,
    runtime             text        NOT NULL,
    -- log follower state: where in the workload's output the stored lines end
    log_position        text,
    log_seq             bigint      NOT NULL DEFAULT 0,
    metric_seq          bigint      NOT NULL DEFAULT 0,
    logs_drained        boolean     NOT NULL DEFAULT false,
    -- which replica reconciles this job, until when
    lease_owner         text,
    lease_until         timestamptz,
    created_by          text        NOT NULL,
    created_at          timestamptz NOT NULL,
    started_at          timestamptz,
    finished_at         timestamptz,
    updated_at          timestamptz NOT NULL
);
CREATE INDEX job_team_project ON job (team_id, project_id, id);
CREATE INDEX job_team_status ON job (team_id, status, id);
CREATE INDEX job_active ON job (id) WHERE status IN ('Pending', 'Provisioning', 'Running');

-- status transitions of the team's workloads: the job's history and the /events stream
CREATE TABLE workload_event (
    seq         bigserial PRIMARY KEY,
    team_id     text        NOT NULL,
    kind        text        NOT NULL,
    workload_id uuid        NOT NULL,
    status      text        NOT NULL,
    reason      text,
    exit_code   int,
    at          timestamptz NOT NULL
);
CREATE INDEX workload_event_team ON workload_event (team_id, seq);
CREATE INDEX workload_event_workload ON workload_event (workload_id, seq);

CREATE TABLE log_line (
    job_id  uuid        NOT NULL,
    seq     bigint      NOT NULL,
    stream  text        NOT NULL,
    line    text        NOT NULL,
    at      timestamptz NOT NULL,
    PRIMARY KEY (job_id, seq)
);

CREATE TABLE metric_point (
    job_id  uuid             NOT NULL,
    seq     bigint           NOT NULL,
    chart   text             NOT NULL,
    x       double precision NOT NULL,
    y       double precision NOT NULL,
    at      timestamptz      NOT NULL,
    PRIMARY KEY (job_id, seq)
);
CREATE INDEX metric_point_chart ON metric_point (job_id, chart, seq);

CREATE TABLE artifact (
    job_id      uuid   NOT NULL,
    path        text   NOT NULL,
    size_bytes  bigint NOT NULL,
    object_key  text   NOT NULL,
    PRIMARY KEY (job_id, path)
);

CREATE TABLE idempotency_record (
    team_id      text        NOT NULL,
    idem_key     text        NOT NULL,
    request_hash text        NOT NULL,
    response     text,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (team_id, idem_key)
);
