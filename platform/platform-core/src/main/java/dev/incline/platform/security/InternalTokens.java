package dev.incline.platform.security;

import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/** Issues and verifies the short-lived internal tokens ({@code X-Incline-Token}). */
public final class InternalTokens {

  public static final String HEADER = "X-Incline-Token";
  public static final String ISSUER = "incline-gateway";

  private final HmacJwt hmac;
  private final Duration ttl;
  private final Clock clock;

  public InternalTokens(String secret, Duration ttl, Clock clock) {
    this.hmac = new HmacJwt(secret);
    this.ttl = ttl;
    this.clock = clock;
  }

  public String issue(Caller caller) {
    Instant now = clock.instant();
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .subject(caller.userId())
        .claim("team", caller.teamId())
        .claim("teamName", caller.teamName())
        .claim("role", caller.role().wire())
        .claim("admin", caller.platformAdmin())
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(ttl)))
        .build();
    return hmac.sign(claims);
  }

  public JwtDecoder decoder() {
    NimbusJwtDecoder decoder = hmac.decoder();
    decoder.setJwtValidator(JwtValidators.createDefaultWithIssuer(ISSUER));
    return decoder;
  }

  public static Caller toCaller(Jwt jwt) {
    Map<String, Object> c = jwt.getClaims();
    return new Caller(
        (String) c.get("team"),
        (String) c.get("teamName"),
        jwt.getSubject(),
        Role.fromWire((String) c.get("role")),
        Boolean.TRUE.equals(c.get("admin")));
  }
}
