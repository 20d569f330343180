package dev.incline.storage.secret;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * After a key rotation (a new active key), re-seals every secret still under an older key, in
 * batches, so that the old key can be removed from configuration afterwards. Idempotent: with
 * nothing under an old key it does one empty query.
 */
@Component
class KeyRotation {

  private static final Logger log = LoggerFactory.getLogger(KeyRotation.class);

  private final SecretService secrets;
  private final dev.incline.storage.provider.ProviderService providers;

  KeyRotation(SecretService secrets, dev.incline.storage.provider.ProviderService providers) {
    this.secrets = secrets;
    this.providers = providers;
  }

  @EventListener(ApplicationReadyEvent.class)
  void resealUnderActiveKey() {
    int total = 0;
    java.util.Set<java.util.UUID> unreadable = new java.util.HashSet<>();
    for (int n; (n = secrets.resealBatch(unreadable)) > 0; ) {
      total += n;
    }
    total += providers.resealAll();
    if (total > 0) {
      log.info("re-sealed {} secrets and provider credentials under the active encryption key", total);
    }
  }
}
