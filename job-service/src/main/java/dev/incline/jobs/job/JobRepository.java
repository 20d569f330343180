package dev.incline.jobs.job;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.JpaSpecificationExecutor;
import org.springframework.data.jpa.repository.Query;

public interface JobRepository extends JpaRepository<Job, UUID>, JpaSpecificationExecutor<Job> {

  Optional<Job> findByTeamIdAndId(String teamId, UUID id);

  boolean existsByTeamIdAndProjectId(String teamId, UUID projectId);

  /** Active jobs of every team: the reconciler's work list, which is why it alone is not scoped. */
  @Query("select j.id from Job j where j.status in :statuses order by j.id")
  List<UUID> findIdsByStatusIn(Collection<JobStatus> statuses);
}
