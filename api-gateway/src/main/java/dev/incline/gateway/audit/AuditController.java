package dev.incline.gateway.audit;

import dev.incline.gateway.account.Ids;
import dev.incline.platform.id.PublicId;
import dev.incline.platform.paging.Cursors;
import dev.incline.platform.paging.PageResponse;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.Role;
import java.util.UUID;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
class AuditController {

  private final AuditLog audit;

  AuditController(AuditLog audit) {
    this.audit = audit;
  }

  /** The team's audit trail, newest first; admins and owners only. */
  @GetMapping("/api/v1/audit-events")
  PageResponse<AuditLog.Event> list(Caller caller, @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor) {
    caller.require(Role.ADMIN);
    int n = Cursors.limit(limit);
    String position = Cursors.decode(cursor);
    UUID before = position == null ? null : PublicId.require(Ids.AUDIT, position, "cursor");
    UUID team = PublicId.require(Ids.TEAM, caller.teamId(), "team");
    return PageResponse.of(audit.list(team, before, n + 1), n, e -> e, AuditLog.Event::id);
  }
}
