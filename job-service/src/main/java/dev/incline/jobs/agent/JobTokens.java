package dev.incline.jobs.agent;

import dev.incline.platform.security.HmacJwt;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.incline.jobs.job.Job;
import dev.incline.jobs.job.JobSecrets;
import dev.incline.jobs.job.JobService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/**
 * The job token: what the agent inside a workload shows job-service, good for its own job only. Signed
 * with the installation's internal-token secret, but with its own issuer and audience, so neither a
 * gateway token works here nor a job token anywhere the gateway's tokens do.
 */
public final class JobTokens implements JobSecrets {

  public static final String ISSUER = "incline-job-service";
  public static final String AUDIENCE = "incline-agent";
  /** The workload's secret environment variable that carries the token. */
  public static final String ENV = "INCLINE_AGENT_TOKEN";

  /** What a verified token says. */
  public record Claims(String teamId, String jobId) {
    static Claims of(Jwt jwt) {
      return new Claims(jwt.getClaimAsString("team"), jwt.getClaimAsString("job"));
    }

    /**
     * The claims of a token sent for {@code jobId}. Another job's token finds nothing, exactly as a
     * job that does not exist: no confirmation either way.
     */
    static Claims forJob(Jwt jwt, String jobId) {
      Claims claims = of(jwt);
      if (!claims.jobId().equals(jobId)) {
        throw new dev.incline.platform.error.NotFoundException("job", jobId);
      }
      return claims;
    }
  }

  private final HmacJwt hmac;
  private final Duration grace;
  private final Clock clock;

  public JobTokens(String secret, Duration grace, Clock clock) {
    this.hmac = new HmacJwt(secret);
    this.grace = grace;
    this.clock = clock;
  }

  /** A token for the job's agent, valid for the job's longest life plus the grace. */
  public String issue(Job job) {
    return issue(job.getTeamId(), JobService.publicId(job.getId()), Duration.ofSeconds(job.getMaxRuntimeSeconds()).plus(grace));
  }

  /** A token for any team and job id: for tests and tools; the service itself issues by job. */
  public String issue(String teamId, String jobId, Duration ttl) {
    Instant now = clock.instant();
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .subject(jobId)
        .claim("team", teamId)
        .claim("job", jobId)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(ttl)))
        .build();
    return hmac.sign(claims);
  }

  @Override
  public Map<String, String> secretEnv(Job job) {
    return Map.of(ENV, issue(job));
  }

  /** Verifies signature, issuer, audience and expiry, and that the token names a team and a job. */
  public JwtDecoder decoder() {
    NimbusJwtDecoder decoder = hmac.decoder();
    decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(
        JwtValidators.createDefaultWithIssuer(ISSUER),
        new JwtClaimValidator<List<String>>(JwtClaimNames.AUD, aud -> aud != null && aud.contains(AUDIENCE)),
        new JwtClaimValidator<Instant>(JwtClaimNames.EXP, Objects::nonNull),
        new JwtClaimValidator<String>("team", t -> t != null && !t.isBlank()),
        new JwtClaimValidator<String>("job", j -> j != null && !j.isBlank())));
    return decoder;
  }
}
