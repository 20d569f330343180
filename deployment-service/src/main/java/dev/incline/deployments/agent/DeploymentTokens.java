package dev.incline.deployments.agent;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.incline.platform.error.NotFoundException;
import dev.incline.platform.security.HmacJwt;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/**
 * The token a model deployment's pods fetch their model with: good for the manifest of that one
 * deployment of that one team. Signed with the installation's internal-token secret, with its own
 * issuer and audience, so that neither a gateway token nor a job token works here, nor this token
 * anywhere else.
 *
 * <p>Tokens are issued per time window: every token issued for a deployment within the same half
 * of {@code ttl} is the same string (issued at the window's start, valid for {@code ttl}), so the
 * deployment's Secret is written once per window, by every replica of this service alike and after
 * a restart, and a pod that starts any time holds a token valid at least {@code ttl / 2}.
 */
public final class DeploymentTokens {

  public static final String ISSUER = "incline-deployment-service";
  public static final String AUDIENCE = "incline-model-fetch";

  /** What a verified token says. */
  public record Claims(String teamId, String deploymentId) {
    static Claims of(Jwt jwt) {
      return new Claims(jwt.getClaimAsString("team"), jwt.getClaimAsString("deployment"));
    }

    /** The claims of a token sent for {@code deploymentId}; another deployment's token finds nothing, as one that does not exist. */
    static Claims forDeployment(Jwt jwt, String deploymentId) {
      Claims claims = of(jwt);
      if (!claims.deploymentId().equals(deploymentId)) {
        throw new NotFoundException("deployment", deploymentId);
      }
      return claims;
    }
  }

  private final HmacJwt hmac;
  private final Duration ttl;
  private final Clock clock;

  public DeploymentTokens(String secret, Duration ttl, Clock clock) {
    if (ttl.compareTo(Duration.ofMinutes(2)) < 0) {
      throw new IllegalArgumentException("incline.deployments.model-token-ttl must be 2 minutes or more: " + ttl);
    }
    this.hmac = new HmacJwt(secret);
    this.ttl = ttl;
    this.clock = clock;
  }

  /** The deployment's token of the current window. */
  public String issue(String teamId, String deploymentId) {
    long window = ttl.toMillis() / 2;
    long now = clock.millis();
    return issue(teamId, deploymentId, Instant.ofEpochMilli(now - Math.floorMod(now, window)), ttl);
  }

  /** A token issued at {@code issuedAt} for {@code ttl}: for tests and tools; the service issues by window. */
  public String issue(String teamId, String deploymentId, Instant issuedAt, Duration ttl) {
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .subject(deploymentId)
        .claim("team", teamId)
        .claim("deployment", deploymentId)
        .issueTime(Date.from(issuedAt))
        .expirationTime(Date.from(issuedAt.plus(ttl)))
        .build();
    return hmac.sign(claims);
  }

  /** Verifies signature, issuer, audience and expiry, and that the token names a team and a deployment. */
  public JwtDecoder decoder() {
    NimbusJwtDecoder decoder = hmac.decoder();
    decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(
        JwtValidators.createDefaultWithIssuer(ISSUER),
        new JwtClaimValidator<List<String>>(JwtClaimNames.AUD, aud -> aud != null && aud.contains(AUDIENCE)),
        new JwtClaimValidator<Instant>(JwtClaimNames.EXP, Objects::nonNull),
        new JwtClaimValidator<String>("team", t -> t != null && !t.isBlank()),
        new JwtClaimValidator<String>("deployment", d -> d != null && !d.isBlank())));
    return decoder;
  }
}
