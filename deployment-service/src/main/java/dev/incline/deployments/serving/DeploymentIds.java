package dev.incline.deployments.serving;

import dev.incline.platform.id.PublicId;
import java.util.Optional;
import java.util.UUID;

/** Public ids of deployments ({@code dep_…}) and replicas ({@code rep_…}). */
public final class DeploymentIds {

  public static final String DEPLOYMENT = "dep";
  public static final String REPLICA = "rep";

  private DeploymentIds() {}

  public static String publicId(UUID id) {
    return PublicId.encode(DEPLOYMENT, id);
  }

  public static Optional<UUID> decode(String id) {
    return PublicId.decode(DEPLOYMENT, id);
  }

  public static String replicaId(UUID id) {
    return PublicId.encode(REPLICA, id);
  }

  public static Optional<UUID> decodeReplica(String id) {
    return PublicId.decode(REPLICA, id);
  }
}
