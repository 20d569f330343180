package dev.incline.storage.provider;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;

/** Every method takes the team first, except the key rotation's sweep. */
interface ProviderRepository extends JpaRepository<StorageProvider, UUID> {

  Optional<StorageProvider> findByTeamIdAndId(String teamId, UUID id);

  Optional<StorageProvider> findByTeamIdAndName(String teamId, String name);

  boolean existsByTeamIdAndName(String teamId, String name);

  List<StorageProvider> findByTeamIdAndIdGreaterThanOrderByIdAsc(String teamId, UUID after, Limit limit);

  List<StorageProvider> findByKeyIdNot(String keyId);
}
