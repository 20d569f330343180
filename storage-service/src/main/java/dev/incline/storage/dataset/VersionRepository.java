package dev.incline.storage.dataset;

import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;

/** Every method takes the team first: nothing here reads across teams. */
interface VersionRepository extends JpaRepository<DatasetVersion, UUID> {

  Optional<DatasetVersion> findByTeamIdAndDatasetIdAndNumber(String teamId, UUID datasetId, int number);

  Optional<DatasetVersion> findByTeamIdAndId(String teamId, UUID id);

  @Lock(LockModeType.PESSIMISTIC_WRITE)
  Optional<DatasetVersion> findForUpdateByTeamIdAndId(String teamId, UUID id);

  Optional<DatasetVersion> findByTeamIdAndDatasetIdAndProducedByJob(String teamId, UUID datasetId, String job);

  List<DatasetVersion> findByTeamIdAndDatasetIdAndNumberLessThanOrderByNumberDesc(String teamId, UUID datasetId, int before, Limit limit);

  Optional<DatasetVersion> findFirstByTeamIdAndDatasetIdAndStatusOrderByNumberDesc(String teamId, UUID datasetId, String status);
}
