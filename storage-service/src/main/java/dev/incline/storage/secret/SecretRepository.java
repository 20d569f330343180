package dev.incline.storage.secret;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;

/** Every method takes the team first: nothing here reads across teams. */
interface SecretRepository extends JpaRepository<Secret, UUID> {

  Optional<Secret> findByTeamIdAndProjectIdAndName(String teamId, String projectId, String name);

  List<Secret> findByTeamIdAndProjectIdAndNameGreaterThanOrderByNameAsc(String teamId, String projectId, String after, Limit limit);

  List<Secret> findByTeamIdAndProjectIdInAndNameIn(String teamId, Collection<String> projectIds, Collection<String> names);

  List<Secret> findTop500ByKeyIdNot(String keyId);
}
