package dev.incline.deployments.deployment;

import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

public interface DeploymentRepository extends JpaRepository<Deployment, UUID> {

  Optional<Deployment> findByTeamIdAndId(String teamId, UUID id);

  Optional<Deployment> findByTeamIdAndName(String teamId, String name);

  @Lock(LockModeType.PESSIMISTIC_WRITE)
  @Query("select d from Deployment d where d.teamId = ?1 and d.id = ?2")
  Optional<Deployment> lock(String teamId, UUID id);

  List<Deployment> findByTeamIdAndIdGreaterThanOrderByIdAsc(String teamId, UUID after, Limit limit);

  List<Deployment> findByTeamIdAndProjectIdAndIdGreaterThanOrderByIdAsc(String teamId, String projectId, UUID after,
      Limit limit);

  /** Every deployment of every team: what the reconciler walks. */
  @Query("select d.teamId as teamId, d.id as id from Deployment d")
  List<Key> keys();

  interface Key {
    String getTeamId();

    UUID getId();
  }
}
