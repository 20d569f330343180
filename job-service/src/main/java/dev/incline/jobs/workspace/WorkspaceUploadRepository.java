package dev.incline.jobs.workspace;

import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

public interface WorkspaceUploadRepository extends JpaRepository<WorkspaceUpload, UUID> {
  Optional<WorkspaceUpload> findByTeamIdAndId(String teamId, UUID id);
}
