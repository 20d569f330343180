package dev.incline.deployments.deployment;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One running copy of a deployment's server, of one revision. */
@Entity
@Table(name = "replica")
public class Replica {

  public enum State {
    /** started, not yet answering its health check */
    STARTING("Starting"),
    /** in the routing table */
    READY("Ready"),
    /** was ready, now fails its health check: out of routing until it answers again */
    UNHEALTHY("Unhealthy"),
    /** out of routing, finishing its requests before it is stopped */
    DRAINING("Draining");

    private final String wire;

    State(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }
  }

  @Id private UUID id;
  @Column(name = "deployment_id", nullable = false) private UUID deploymentId;
  @Column(name = "team_id", nullable = false) private String teamId;
  @Column(nullable = false) private int revision;
  @Column(nullable = false) private String status;
  private String reason;
  @Column(name = "host_port") private Integer hostPort;
  private String endpoint;
  @Column(name = "created_at", nullable = false) private Instant createdAt;
  @Column(name = "ready_at") private Instant readyAt;
  @Column(name = "draining_at") private Instant drainingAt;

  protected Replica() {}

  public Replica(UUID id, Deployment d, Integer hostPort, Instant now) {
    this.id = id;
    this.deploymentId = d.getId();
    this.teamId = d.getTeamId();
    this.revision = d.getRevision();
    this.status = State.STARTING.name();
    this.hostPort = hostPort;
    this.createdAt = now;
  }

  public UUID getId() { return id; }
  public UUID getDeploymentId() { return deploymentId; }
  public String getTeamId() { return teamId; }
  public int getRevision() { return revision; }
  public State getState() { return State.valueOf(status); }
  public String getReason() { return reason; }
  public Integer getHostPort() { return hostPort; }
  public String getEndpoint() { return endpoint; }
  public Instant getCreatedAt() { return createdAt; }
  public Instant getReadyAt() { return readyAt; }
  public Instant getDrainingAt() { return drainingAt; }

  public void ready(String endpoint, Instant now) {
    this.status = State.READY.name();
    this.endpoint = endpoint;
    this.reason = null;
    if (readyAt == null) {
      readyAt = now;
    }
  }

  public void unhealthy(String reason) {
    this.status = State.UNHEALTHY.name();
    this.reason = reason;
  }

  public void starting(String endpoint, String reason) {
    this.endpoint = endpoint;
    this.reason = reason;
  }

  public void drain(Instant now) {
    if (getState() != State.DRAINING) {
      this.status = State.DRAINING.name();
      this.drainingAt = now;
    }
  }
}
