package dev.incline.deployments.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incline.platform.error.NotFoundException;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.InternalTokens;
import dev.incline.platform.security.Role;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtException;

class DeploymentTokensTest {

  private static final String SECRET = "unit-test-internal-token-secret-0123456789";
  private final Instant now = Instant.now();

  private DeploymentTokens at(Instant t) {
    return new DeploymentTokens(SECRET, Duration.ofHours(24), Clock.fixed(t, ZoneOffset.UTC));
  }

  @Test
  void namesItsTeamAndDeploymentAndIsOnlyGoodForThatDeployment() {
    Jwt jwt = at(now).decoder().decode(at(now).issue("team_a", "dep_1"));
    assertThat(jwt.getClaimAsString("iss")).isEqualTo("incline-deployment-service");
    assertThat(jwt.getAudience()).containsExactly("incline-model-fetch");
    assertThat(DeploymentTokens.Claims.forDeployment(jwt, "dep_1")).isEqualTo(new DeploymentTokens.Claims("team_a", "dep_1"));
    assertThatThrownBy(() -> DeploymentTokens.Claims.forDeployment(jwt, "dep_2")).isInstanceOf(NotFoundException.class);
  }

  @Test
  void theSameTokenWithinAWindowAndANewOneEveryHalfTtlValidForAtLeastHalf() throws Exception {
    Instant start = Instant.parse("2026-03-01T00:00:00Z");
    String first = at(start).issue("team_a", "dep_1");
    assertThat(at(start.plus(Duration.ofHours(11))).issue("team_a", "dep_1")).isEqualTo(first);
    String next = at(start.plus(Duration.ofHours(12))).issue("team_a", "dep_1");
    assertThat(next).isNotEqualTo(first);
    var claims = com.nimbusds.jwt.SignedJWT.parse(next).getJWTClaimsSet();
    assertThat(claims.getIssueTime().toInstant()).isEqualTo(start.plus(Duration.ofHours(12)));
    assertThat(claims.getExpirationTime().toInstant()).isEqualTo(start.plus(Duration.ofHours(36)));
    assertThat(at(start).issue("team_a", "dep_2")).isNotEqualTo(first);
  }

  @Test
  void expiredTokensAndOtherKindsOfTokenAreRefused() {
    DeploymentTokens tokens = at(now);
    String expired = tokens.issue("team_a", "dep_1", now.minus(Duration.ofDays(3)), Duration.ofDays(1));
    assertThatThrownBy(() -> tokens.decoder().decode(expired)).isInstanceOf(JwtException.class).hasMessageContaining("expired");
    InternalTokens gateway = new InternalTokens(SECRET, Duration.ofMinutes(1), Clock.systemUTC());
    String gatewayToken = gateway.issue(new Caller("team_a", "a", "usr_a", Role.OWNER, false));
    assertThatThrownBy(() -> tokens.decoder().decode(gatewayToken)).isInstanceOf(JwtException.class);
    assertThatThrownBy(() -> gateway.decoder().decode(tokens.issue("team_a", "dep_1"))).isInstanceOf(JwtException.class);
  }
}
