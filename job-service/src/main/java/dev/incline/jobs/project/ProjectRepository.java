package dev.incline.jobs.project;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;

/** Every method takes the team first: nothing here reads across teams. */
public interface ProjectRepository extends JpaRepository<Project, UUID> {

  Optional<Project> findByTeamIdAndId(String teamId, UUID id);

  boolean existsByTeamIdAndName(String teamId, String name);

  List<Project> findByTeamIdOrderByIdAsc(String teamId, Limit limit);

  List<Project> findByTeamIdAndIdGreaterThanOrderByIdAsc(String teamId, UUID after, Limit limit);
}
