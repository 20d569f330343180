package dev.incline.storage.dataset;

import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;

/** Every method takes the team first: nothing here reads across teams. */
interface DatasetRepository extends JpaRepository<Dataset, UUID> {

  Optional<Dataset> findByTeamIdAndId(String teamId, UUID id);

  Optional<Dataset> findByTeamIdAndName(String teamId, String name);

  @Lock(LockModeType.PESSIMISTIC_WRITE)
  Optional<Dataset> findForUpdateByTeamIdAndId(String teamId, UUID id);

  boolean existsByTeamIdAndName(String teamId, String name);

  List<Dataset> findByTeamIdAndIdGreaterThanOrderByIdAsc(String teamId, UUID after, Limit limit);

  List<Dataset> findByTeamIdAndProjectIdAndIdGreaterThanOrderByIdAsc(String teamId, String projectId, UUID after, Limit limit);
}
