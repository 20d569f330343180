package dev.incline.platform.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.JwtException;

class InternalTokensTest {

  private static final String SECRET = "0123456789abcdef0123456789abcdef";
  private final Caller caller = new Caller("team_a", "alpha", "usr_1", Role.ADMIN, true);

  @Test
  void roundTripsTheCaller() {
    InternalTokens tokens = new InternalTokens(SECRET, Duration.ofSeconds(60), Clock.systemUTC());
    assertThat(InternalTokens.toCaller(tokens.decoder().decode(tokens.issue(caller)))).isEqualTo(caller);
  }

  @Test
  void rejectsOtherKeysExpiredTokensAndShortSecrets() {
    InternalTokens tokens = new InternalTokens(SECRET, Duration.ofSeconds(60), Clock.systemUTC());
    InternalTokens other = new InternalTokens(SECRET.replace('0', 'x'), Duration.ofSeconds(60), Clock.systemUTC());
    assertThatThrownBy(() -> tokens.decoder().decode(other.issue(caller))).isInstanceOf(JwtException.class);
    InternalTokens past = new InternalTokens(SECRET, Duration.ofSeconds(60),
        Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC));
    assertThatThrownBy(() -> tokens.decoder().decode(past.issue(caller))).isInstanceOf(JwtException.class);
    assertThatThrownBy(() -> new InternalTokens("short", Duration.ofSeconds(1), Clock.systemUTC()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
