package dev.incline.storage.secret;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "secret")
public class Secret {

  @Id private UUID id;
  @Column(name = "team_id", nullable = false) private String teamId;
  /** Empty for a team secret. */
  @Column(name = "project_id", nullable = false) private String projectId;
  @Column(nullable = false) private String name;
  @Column(nullable = false) private byte[] ciphertext;
  @Column(name = "key_id", nullable = false) private String keyId;
  @Column(name = "created_by", nullable = false) private String createdBy;
  @Column(name = "created_at", nullable = false) private Instant createdAt;
  @Column(name = "updated_at", nullable = false) private Instant updatedAt;

  protected Secret() {}

  Secret(UUID id, String teamId, String projectId, String name, String createdBy, Instant now) {
    this.id = id;
    this.teamId = teamId;
    this.projectId = projectId;
    this.name = name;
    this.createdBy = createdBy;
    this.createdAt = now;
    this.updatedAt = now;
  }

  public UUID getId() { return id; }
  public String getTeamId() { return teamId; }
  public String getProjectId() { return projectId; }
  public String getName() { return name; }
  public String getCreatedBy() { return createdBy; }
  public Instant getCreatedAt() { return createdAt; }
  public Instant getUpdatedAt() { return updatedAt; }

  SecretCipher.Sealed sealed() { return new SecretCipher.Sealed(keyId, ciphertext); }

  void seal(SecretCipher.Sealed sealed, Instant now) {
    this.ciphertext = sealed.ciphertext();
    this.keyId = sealed.keyId();
    this.updatedAt = now;
  }

  /** What the ciphertext is bound to: it opens only as this team's secret of this name. */
  String context() {
    return "secret/" + teamId + "/" + projectId + "/" + name;
  }

  // re-sealing under a new key leaves updatedAt alone: the value did not change
  void reseal(SecretCipher.Sealed sealed) {
    this.ciphertext = sealed.ciphertext();
    this.keyId = sealed.keyId();
  }

  @Override
  public String toString() {
    return "Secret[" + name + "]"; // never the ciphertext
  }
}
