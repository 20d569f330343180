package dev.incline.platform.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/** Issues and verifies the short-lived internal tokens ({@code X-Incline-Token}). */
public final class InternalTokens {

  public static final String HEADER = "X-Incline-Token";
  public static final String ISSUER = "incline-gateway";

  private final MACSigner signer;
  private final SecretKey key;
  private final Duration ttl;
  private final Clock clock;

  public InternalTokens(String secret, Duration ttl, Clock clock) {
    byte[] bytes = secret == null ? new byte[0] : secret.getBytes(StandardCharsets.UTF_8);
    if (bytes.length < 32) {
      throw new IllegalArgumentException("incline.internal-token.secret must be at least 32 bytes");
    }
    this.key = new SecretKeySpec(bytes, "HmacSHA256");
    try {
      this.signer = new MACSigner(bytes);
    } catch (JOSEException e) {
      throw new IllegalArgumentException(e);
    }
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
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign internal token", e);
    }
    return jwt.serialize();
  }

  public JwtDecoder decoder() {
    NimbusJwtDecoder decoder = NimbusJwtDecoder.withSecretKey(key).macAlgorithm(MacAlgorithm.HS256).build();
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
