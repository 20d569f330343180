package dev.incline.platform.security;

import dev.incline.platform.error.ApiExceptions;

/**
 * Who is calling: the team every query is scoped by, the user, and their role in that team. Built
 * from the gateway's internal token; controllers take it as a parameter so that tenancy is in every
 * signature.
 */
public record Caller(String teamId, String teamName, String userId, Role role, boolean platformAdmin) {

  /** Request attribute under which an authenticated caller is kept. */
  public static final String ATTRIBUTE = Caller.class.getName();

  public void require(Role needed) {
    if (!role.atLeast(needed)) {
      throw ApiExceptions.forbidden("this action needs the " + needed.wire() + " role");
    }
  }
}
