package dev.incline.gateway.auth;

import dev.incline.gateway.account.AccountStore;
import dev.incline.gateway.config.GatewayProperties;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.springframework.stereotype.Component;

/**
 * Verified keys for a few seconds, so that a burst of requests costs one lookup. Revocation through
 * this replica evicts at once; through another replica it takes effect within the TTL.
 */
@Component
public class KeyCache {

  private record Entry(AccountStore.Principal principal, long expiresAt) {}

  private static final int MAX_ENTRIES = 100_000;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final long ttlNanos;

  KeyCache(GatewayProperties properties) {
    this.ttlNanos = properties.keyCacheTtl().toNanos();
  }

  public Optional<AccountStore.Principal> get(String hash, Function<String, Optional<AccountStore.Principal>> load) {
    long now = System.nanoTime();
    Entry e = entries.get(hash);
    if (e != null && e.expiresAt() - now > 0) {
      return Optional.of(e.principal());
    }
    Optional<AccountStore.Principal> loaded = load.apply(hash);
    if (loaded.isPresent() && ttlNanos > 0) {
      if (entries.size() >= MAX_ENTRIES) {
        entries.clear();
      }
      entries.put(hash, new Entry(loaded.get(), now + ttlNanos));
    } else {
      entries.remove(hash);
    }
    return loaded;
  }

  public void evictKey(UUID keyId) {
    entries.values().removeIf(e -> e.principal().keyId().equals(keyId));
  }
}
