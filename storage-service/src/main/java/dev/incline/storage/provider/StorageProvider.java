package dev.incline.storage.provider;

import dev.incline.storage.secret.SecretCipher;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A team's own S3-compatible bucket; its credentials are sealed and never leave this service. */
@Entity
@Table(name = "storage_provider")
public class StorageProvider {

  @Id private UUID id;
  @Column(name = "team_id", nullable = false) private String teamId;
  @Column(nullable = false) private String name;
  private String endpoint;
  @Column(nullable = false) private String region;
  @Column(nullable = false) private String bucket;
  @Column(name = "path_style", nullable = false) private boolean pathStyle;
  @Column(nullable = false) private byte[] credentials;
  @Column(name = "key_id", nullable = false) private String keyId;
  @Column(name = "created_by", nullable = false) private String createdBy;
  @Column(name = "created_at", nullable = false) private Instant createdAt;

  protected StorageProvider() {}

  StorageProvider(UUID id, String teamId, String name, String endpoint, String region, String bucket, boolean pathStyle,
      String createdBy, Instant now) {
    this.id = id;
    this.teamId = teamId;
    this.name = name;
    this.endpoint = endpoint;
    this.region = region;
    this.bucket = bucket;
    this.pathStyle = pathStyle;
    this.createdBy = createdBy;
    this.createdAt = now;
  }

  public UUID getId() { return id; }
  public String getTeamId() { return teamId; }
  public String getName() { return name; }
  public String getEndpoint() { return endpoint; }
  public String getRegion() { return region; }
  public String getBucket() { return bucket; }
  public boolean isPathStyle() { return pathStyle; }
  public String getCreatedBy() { return createdBy; }
  public Instant getCreatedAt() { return createdAt; }

  SecretCipher.Sealed sealed() { return new SecretCipher.Sealed(keyId, credentials); }

  void seal(SecretCipher.Sealed sealed) {
    this.credentials = sealed.ciphertext();
    this.keyId = sealed.keyId();
  }

  String context() {
    return "provider/" + teamId + "/" + id;
  }

  @Override
  public String toString() {
    return "StorageProvider[" + name + " " + bucket + "]";
  }
}
