package dev.incline.gateway.account;

import dev.incline.gateway.auth.KeyCache;
import dev.incline.platform.error.ApiExceptions;
import dev.incline.platform.error.ConflictException;
import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.error.NotFoundException;
import dev.incline.platform.id.PublicId;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.Role;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

@Service
public class AccountService {

  private static final Pattern TEAM_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

  private final AccountStore store;
  private final KeyCache cache;
  private final Clock clock;

  AccountService(AccountStore store, KeyCache cache, Clock clock) {
    this.store = store;
    this.cache = cache;
    this.clock = clock;
  }

  /** A new key's secret and record; the secret exists only in this return value. */
  public record IssuedKey(String id, String name, String prefix, String key, Instant createdAt) {}

  public record CreatedTeam(String id, String name, Owner owner, String apiKey) {
    public record Owner(String userId) {}
  }

  @Transactional
  public CreatedTeam createTeam(Caller caller, String name, String ownerName, String ownerEmail) {
    if (!caller.platformAdmin()) {
      throw ApiExceptions.forbidden("creating teams needs a platform administrator");
    }
    return createTeam(name, ownerName, ownerEmail, false, null);
  }

  /** Creates a team with its first owner and the owner's first key (a given secret, or a new one). */
  @Transactional
  public CreatedTeam createTeam(String name, String ownerName, String ownerEmail, boolean platformAdmin, String secret) {
    if (name == null || !TEAM_NAME.matcher(name).matches()) {
      throw new InvalidRequestException("name", "must be 1-63 lower-case letters, digits and '-', starting with a letter or digit");
    }
    if (store.teamByName(name).isPresent()) {
      throw new ConflictException("name-taken", "a team named '" + name + "' already exists");
    }
    Instant now = clock.instant();
    AccountStore.Team team = store.insertTeam(PublicId.newUuid(), name, now);
    AccountStore.User owner = findOrCreateUser(ownerName == null ? name + "-owner" : ownerName, ownerEmail, platformAdmin, now);
    store.upsertMembership(team.id(), owner.id(), Role.OWNER, now);
    IssuedKey key = issueKey(team.id(), owner.id(), "initial owner key", secret, now);
    return new CreatedTeam(PublicId.encode(Ids.TEAM, team.id()), team.name(), new CreatedTeam.Owner(PublicId.encode(Ids.USER, owner.id())), key.key());
  }

  private AccountStore.User findOrCreateUser(String name, String email, boolean platformAdmin, Instant now) {
    if (email != null) {
      var existing = store.userByEmail(email.toLowerCase(Locale.ROOT));
      if (existing.isPresent()) {
        return existing.get();
      }
    }
    return store.insertUser(PublicId.newUuid(), name, email == null ? null : email.toLowerCase(Locale.ROOT), platformAdmin, now);
  }

  public List<AccountStore.Team> teams(Caller caller) {
    return store.teams(caller.platformAdmin() ? null : userId(caller));
  }

  /** Resolves {@code {team}} in a path (id or name) to the caller's own team, or 404. */
  public UUID ownTeam(Caller caller, String team) {
    UUID own = teamId(caller);
    boolean matches = team.equals(caller.teamId()) || team.equals(caller.teamName());
    if (!matches) {
      throw new NotFoundException("team", team);
    }
    return own;
  }

  @Transactional
  public Invited invite(Caller caller, String team, String name, String email, Role role) {
    UUID teamId = ownTeam(caller, team);
    caller.require(Role.ADMIN);
    if (role == Role.OWNER && caller.role() != Role.OWNER) {
      throw ApiExceptions.forbidden("only an owner can make another owner");
    }
    if (name == null && email == null) {
      throw new InvalidRequestException("email", "a name or an email is required");
    }
    Instant now = clock.instant();
    AccountStore.User user = findOrCreateUser(name != null ? name : email, email, false, now);
    store.upsertMembership(teamId, user.id(), role, now);
    // No SSO here yet: the invitee's first key is how they sign in.
    IssuedKey key = issueKey(teamId, user.id(), "invitation key", null, now);
    return new Invited(PublicId.encode(Ids.USER, user.id()), user.name(), user.email(), role.wire(), key.key());
  }

  public record Invited(String userId, String name, String email, String role, String apiKey) {}

  public List<AccountStore.Member> members(Caller caller, String team) {
    return store.members(ownTeam(caller, team));
  }

  @Transactional
  public IssuedKey createKey(Caller caller, String name) {
    return issueKey(teamId(caller), userId(caller), name == null || name.isBlank() ? "api key" : name, null, clock.instant());
  }

  public IssuedKey issueKey(UUID teamId, UUID userId, String name, String secret, Instant now) {
    String key = secret != null ? secret : ApiKeySecrets.generate();
    if (key.length() < ApiKeySecrets.MIN_LENGTH) {
      throw new IllegalArgumentException("an API key must have at least " + ApiKeySecrets.MIN_LENGTH + " characters");
    }
    UUID id = PublicId.newUuid();
    if (name.length() > 200) {
      throw new InvalidRequestException("name", "must be at most 200 characters");
    }
    store.insertKey(id, teamId, userId, name, ApiKeySecrets.displayPrefix(key), ApiKeySecrets.hash(key), now);
    return new IssuedKey(PublicId.encode(Ids.API_KEY, id), name, ApiKeySecrets.displayPrefix(key), key, now);
  }

  /** Admins see and revoke the team's keys; members only their own. */
  public List<AccountStore.Key> keys(Caller caller) {
    return store.keys(teamId(caller), caller.role().atLeast(Role.ADMIN) ? null : userId(caller));
  }

  @Transactional
  public void revoke(Caller caller, String keyId) {
    UUID id = PublicId.require(Ids.API_KEY, keyId, "API key");
    if (!store.revokeKey(teamId(caller), id, caller.role().atLeast(Role.ADMIN) ? null : userId(caller))) {
      throw new NotFoundException("API key", keyId);
    }
    cache.evictKey(id);
  }

  public AccountStore.User user(Caller caller) {
    return store.user(userId(caller)).orElseThrow(() -> new NotFoundException("user", caller.userId()));
  }

  static UUID teamId(Caller caller) {
    return PublicId.require(Ids.TEAM, caller.teamId(), "team");
  }

  static UUID userId(Caller caller) {
    return PublicId.require(Ids.USER, caller.userId(), "user");
  }
}
