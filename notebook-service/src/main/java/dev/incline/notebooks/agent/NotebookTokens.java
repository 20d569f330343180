package dev.incline.notebooks.agent;

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
 * The token a notebook's pod fetches its dataset inputs with on Kubernetes (the agent's
 * {@code fetch-datasets} init container): good for that one notebook of that one team, for as long as
 * its run may last. Signed with the installation's internal-token secret, with its own issuer and
 * audience, so that neither a gateway, job or deployment token works here, nor this token anywhere else.
 * Not Jupyter's token: that one opens the notebook and never leaves notebook-service and the pod's env.
 */
public final class NotebookTokens {

  public static final String ISSUER = "incline-notebook-service";
  public static final String AUDIENCE = "incline-dataset-fetch";

  /** What a verified token says. */
  public record Claims(String teamId, String notebookId) {
    /** The claims of a token sent for {@code notebookId}; another notebook's token finds nothing, as one that does not exist. */
    static Claims forNotebook(Jwt jwt, String notebookId) {
      Claims claims = new Claims(jwt.getClaimAsString("team"), jwt.getClaimAsString("notebook"));
      if (!claims.notebookId().equals(notebookId)) {
        throw new NotFoundException("notebook", notebookId);
      }
      return claims;
    }
  }

  private final HmacJwt hmac;
  private final Clock clock;

  public NotebookTokens(String secret, Clock clock) {
    this.hmac = new HmacJwt(secret);
    this.clock = clock;
  }

  /** A token for the notebook's run, valid for {@code ttl}. */
  public String issue(String teamId, String notebookId, Duration ttl) {
    Instant now = clock.instant();
    return hmac.sign(new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .subject(notebookId)
        .claim("team", teamId)
        .claim("notebook", notebookId)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(ttl)))
        .build());
  }

  /** Verifies signature, issuer, audience and expiry, and that the token names a team and a notebook. */
  public JwtDecoder decoder() {
    NimbusJwtDecoder decoder = hmac.decoder();
    decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(
        JwtValidators.createDefaultWithIssuer(ISSUER),
        new JwtClaimValidator<List<String>>(JwtClaimNames.AUD, aud -> aud != null && aud.contains(AUDIENCE)),
        new JwtClaimValidator<Instant>(JwtClaimNames.EXP, Objects::nonNull),
        new JwtClaimValidator<String>("team", t -> t != null && !t.isBlank()),
        new JwtClaimValidator<String>("notebook", n -> n != null && !n.isBlank())));
    return decoder;
  }
}
