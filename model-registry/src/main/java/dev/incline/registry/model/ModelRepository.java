package dev.incline.registry.model;

import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;

/** Every method takes the team first: nothing here reads across teams. */
interface ModelRepository extends JpaRepository<Model, UUID> {

  Optional<Model> findByTeamIdAndId(String teamId, UUID id);

  Optional<Model> findByTeamIdAndName(String teamId, String name);

  @Lock(LockModeType.PESSIMISTIC_WRITE)
  Optional<Model> findForUpdateByTeamIdAndId(String teamId, UUID id);

  boolean existsByTeamIdAndName(String teamId, String name);

  List<Model> findByTeamIdAndIdGreaterThanOrderByIdAsc(String teamId, UUID after, Limit limit);

  List<Model> findByTeamIdAndProjectIdAndIdGreaterThanOrderByIdAsc(String teamId, String projectId, UUID after, Limit limit);
}
