package dev.incline.jobs.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

class JobTokensTest {

  private static final String SECRET = "unit-test-internal-token-secret-0123456789";
  private final Instant now = Instant.parse("2026-03-01T12:00:00Z");
  private final JobTokens tokens = new JobTokens(SECRET, Duration.ofHours(1), Clock.systemUTC());

  @Test
  void carriesTheContractsClaims() {
    Jwt jwt = tokens.decoder().decode(tokens.issue("team_a", "job_1", Duration.ofMinutes(5)));
    assertThat(jwt.getClaimAsString("iss")).isEqualTo("incline-job-service");
    assertThat(jwt.getAudience()).containsExactly("incline-agent");
    assertThat(JobTokens.Claims.of(jwt)).isEqualTo(new JobTokens.Claims("team_a", "job_1"));
    assertThat(jwt.getExpiresAt()).isAfter(Instant.now().plusSeconds(240));
  }

  @Test
  void expiredTokensAreRefused() {
    JobTokens past = new JobTokens(SECRET, Duration.ZERO, Clock.fixed(now.minus(Duration.ofDays(2)), ZoneOffset.UTC));
    String token = past.issue("team_a", "job_1", Duration.ofHours(1));
    assertThatThrownBy(() -> tokens.decoder().decode(token)).isInstanceOf(JwtException.class).hasMessageContaining("expired");
  }

  @Test
  void gatewayTokensAreNotJobTokensAndTheOtherWayRound() {
    InternalTokens gateway = new InternalTokens(SECRET, Duration.ofMinutes(1), Clock.systemUTC());
    String gatewayToken = gateway.issue(new Caller("team_a", "a", "usr_a", Role.OWNER, false));
    assertThatThrownBy(() -> tokens.decoder().decode(gatewayToken)).isInstanceOf(JwtException.class);
    String jobToken = tokens.issue("team_a", "job_1", Duration.ofMinutes(5));
    assertThatThrownBy(() -> gateway.decoder().decode(jobToken)).isInstanceOf(JwtException.class);
  }

  @Test
  void aShortSecretIsAConfigurationError() {
    assertThatThrownBy(() -> new JobTokens("short", Duration.ofHours(1), Clock.systemUTC()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes");
  }
}
