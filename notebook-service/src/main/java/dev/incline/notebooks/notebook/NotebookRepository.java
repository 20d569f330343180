package dev.incline.notebooks.notebook;

import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

public interface NotebookRepository extends JpaRepository<Notebook, UUID> {

  Optional<Notebook> findByTeamIdAndId(String teamId, UUID id);

  Optional<Notebook> findByTeamIdAndName(String teamId, String name);

  @Lock(LockModeType.PESSIMISTIC_WRITE)
  @Query("select n from Notebook n where n.teamId = ?1 and n.id = ?2")
  Optional<Notebook> lock(String teamId, UUID id);

  List<Notebook> findByTeamIdAndIdGreaterThanOrderByIdAsc(String teamId, UUID after, Limit limit);

  List<Notebook> findByTeamIdAndProjectIdAndIdGreaterThanOrderByIdAsc(String teamId, String projectId, UUID after, Limit limit);

  /** Every notebook of every team: what the reconciler walks. */
  @Query("select n.teamId as teamId, n.id as id from Notebook n")
  List<Key> keys();

  interface Key {
    String getTeamId();

    UUID getId();
  }
}
