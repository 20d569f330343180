package dev.incline.gateway.account;

import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.id.PublicId;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.Role;
import java.time.Instant;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
class AccountController {

  private final AccountService accounts;

  AccountController(AccountService accounts) {
    this.accounts = accounts;
  }

  record Me(UserView user, TeamView team, String role, boolean platformAdmin) {}

  record UserView(String id, String name, String email) {}

  record TeamView(String id, String name) {}

  record TeamRequest(String name, OwnerRequest owner) {}

  record OwnerRequest(String name, String email) {}

  record MemberRequest(String name, String email, String role) {}

  record MemberView(String userId, String name, String email, String role, Instant since) {}

  record KeyRequest(String name) {}

  record KeyView(String id, String name, String prefix, String userId, Instant createdAt, Instant lastUsedAt,
      Instant revokedAt) {}

  @GetMapping("/api/v1/me")
  Me me(Caller caller) {
    AccountStore.User user = accounts.user(caller);
    return new Me(new UserView(caller.userId(), user.name(), user.email()), new TeamView(caller.teamId(), caller.teamName()),
        caller.role().wire(), caller.platformAdmin());
  }

  @PostMapping("/api/v1/teams")
  @ResponseStatus(HttpStatus.CREATED)
  AccountService.CreatedTeam createTeam(Caller caller, @RequestBody TeamRequest request) {
    OwnerRequest owner = request.owner() == null ? new OwnerRequest(null, null) : request.owner();
    return accounts.createTeam(caller, request.name(), owner.name(), owner.email());
  }

  @GetMapping("/api/v1/teams")
  List<TeamView> teams(Caller caller) {
    return accounts.teams(caller).stream().map(t -> new TeamView(PublicId.encode(Ids.TEAM, t.id()), t.name())).toList();
  }

  @PostMapping("/api/v1/teams/{team}/members")
  @ResponseStatus(HttpStatus.CREATED)
  AccountService.Invited invite(Caller caller, @PathVariable String team, @RequestBody MemberRequest request) {
    Role role;
    try {
      role = request.role() == null ? Role.MEMBER : Role.fromWire(request.role());
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException("role", "must be one of owner, admin, member, viewer");
    }
    return accounts.invite(caller, team, request.name(), request.email(), role);
  }

  @GetMapping("/api/v1/teams/{team}/members")
  List<MemberView> members(Caller caller, @PathVariable String team) {
    return accounts.members(caller, team).stream()
        .map(m -> new MemberView(PublicId.encode(Ids.USER, m.userId()), m.name(), m.email(), m.role().wire(), m.since()))
        .toList();
  }

  @PostMapping("/api/v1/api-keys")
  @ResponseStatus(HttpStatus.CREATED)
  AccountService.IssuedKey createKey(Caller caller, @RequestBody(required = false) KeyRequest request) {
    caller.require(Role.VIEWER);
    return accounts.createKey(caller, request == null ? null : request.name());
  }

  @GetMapping("/api/v1/api-keys")
  List<KeyView> keys(Caller caller) {
    return accounts.keys(caller).stream().map(k -> new KeyView(PublicId.encode(Ids.API_KEY, k.id()), k.name(), k.prefix(),
        PublicId.encode(Ids.USER, k.userId()), k.createdAt(), k.lastUsedAt(), k.revokedAt())).toList();
  }

  @DeleteMapping("/api/v1/api-keys/{id}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void revoke(Caller caller, @PathVariable String id) {
    accounts.revoke(caller, id);
  }
}
