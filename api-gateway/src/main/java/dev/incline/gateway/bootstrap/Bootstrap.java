package dev.incline.gateway.bootstrap;

import dev.incline.gateway.account.AccountService;
import dev.incline.gateway.account.AccountStore;
import dev.incline.gateway.account.ApiKeySecrets;
import dev.incline.gateway.config.GatewayProperties;
import dev.incline.platform.security.Role;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A new installation gets a team and an administrator key on first start. The key is printed once
 * and written to the key file (mode 600); a fixed value (INCLINE_BOOTSTRAP_API_KEY) is registered
 * on any start where it is not known yet, so scripts and CI can count on it.
 */
@Component
class Bootstrap implements ApplicationRunner {

  private static final Logger log = LoggerFactory.getLogger(Bootstrap.class);

  private final AccountService accounts;
  private final AccountStore store;
  private final GatewayProperties.Bootstrap settings;
  private final TransactionTemplate tx;
  private final Clock clock;

  Bootstrap(AccountService accounts, AccountStore store, GatewayProperties properties, TransactionTemplate tx, Clock clock) {
    this.accounts = accounts;
    this.store = store;
    this.settings = properties.bootstrap();
    this.tx = tx;
    this.clock = clock;
  }

  @Override
  public void run(ApplicationArguments args) {
    String fixed = settings.apiKey() == null || settings.apiKey().isBlank() ? null : settings.apiKey().trim();
    if (fixed != null && fixed.length() < ApiKeySecrets.MIN_LENGTH) {
      throw new IllegalStateException("INCLINE_BOOTSTRAP_API_KEY must have at least " + ApiKeySecrets.MIN_LENGTH + " characters");
    }
    if (!store.anyTeam()) {
      AccountService.CreatedTeam team = tx.execute(s -> accounts.createTeam(settings.team(), "admin", null, true, fixed));
      writeKeyFile(team.apiKey());
      System.out.println("""

          ========================================================================
            Incline: created team '%s' and its administrator API key:

              %s

            It is shown only this once%s.
          ========================================================================
          """.formatted(team.name(), team.apiKey(),
          settings.keyFile() == null ? "" : " and kept in " + settings.keyFile() + " (mode 600)"));
      return;
    }
    if (fixed != null && !store.keyHashExists(ApiKeySecrets.hash(fixed))) {
      AccountStore.Team team = store.teamByName(settings.team())
          .orElseThrow(() -> new IllegalStateException("bootstrap team '" + settings.team() + "' does not exist"));
      AccountStore.Member owner = store.members(team.id()).stream().filter(m -> m.role() == Role.OWNER).findFirst()
          .orElseThrow(() -> new IllegalStateException("bootstrap team has no owner"));
      tx.executeWithoutResult(s -> accounts.issueKey(team.id(), owner.userId(), "bootstrap key", fixed, clock.instant()));
      writeKeyFile(fixed);
      log.info("registered INCLINE_BOOTSTRAP_API_KEY for the owner of team '{}'", team.name());
    }
  }

  private void writeKeyFile(String key) {
    Path file = settings.keyFile();
    if (file == null) {
      return;
    }
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.deleteIfExists(file);
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, key + "\n", StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the admin key to " + file, e);
    }
  }
}
