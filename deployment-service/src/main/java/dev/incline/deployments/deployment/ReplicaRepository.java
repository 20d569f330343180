package dev.incline.deployments.deployment;

import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

public interface ReplicaRepository extends JpaRepository<Replica, UUID> {

  List<Replica> findByDeploymentIdOrderByCreatedAt(UUID deploymentId);

  List<Replica> findByTeamIdAndDeploymentIdOrderByCreatedAt(String teamId, UUID deploymentId);
}
