package dev.incline.registry.model;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;

/** Every method takes the team first: nothing here reads across teams. */
interface VersionRepository extends JpaRepository<ModelVersion, UUID> {

  Optional<ModelVersion> findByTeamIdAndId(String teamId, UUID id);

  Optional<ModelVersion> findByTeamIdAndModelIdAndNumber(String teamId, UUID modelId, int number);

  /** A version's id and lineage, without its file list (which may be long). */
  interface LineageOnly {
    UUID getId();

    String getLineage();
  }

  List<LineageOnly> findByTeamIdAndModelIdAndLineageIsNotNull(String teamId, UUID modelId);

  List<ModelVersion> findByTeamIdAndModelIdAndNumberLessThanOrderByNumberDesc(String teamId, UUID modelId, int before,
      Limit limit);
}
