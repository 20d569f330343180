package dev.incline.gateway.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Gateway configuration.
 *
 * @param services where each service listens
 * @param rateLimit per-key request budget
 * @param keyCacheTtl how long a verified API key is trusted without looking it up again; a key
 *     revoked through another gateway replica stops working after at most this long
 * @param bootstrap the first team and admin key of a new installation
 */
@ConfigurationProperties("incline.gateway")
public record GatewayProperties(
    @DefaultValue Services services,
    @DefaultValue RateLimit rateLimit,
    @DefaultValue("10s") Duration keyCacheTtl,
    @DefaultValue Bootstrap bootstrap) {

  /**
   * @param jobs job-service base URL
   * @param storage storage-service base URL
   * @param models model-registry base URL
   * @param deployments deployment-service base URL
   * @param notebooks notebook-service base URL
   */
  public record Services(@DefaultValue("http://127.0.0.1:8081") URI jobs, @DefaultValue("http://127.0.0.1:8082") URI storage,
      @DefaultValue("http://127.0.0.1:8083") URI models, @DefaultValue("http://127.0.0.1:8084") URI deployments,
      @DefaultValue("http://127.0.0.1:8085") URI notebooks) {}

  /**
   * Token bucket per API key.
   *
   * @param requestsPerSecond sustained rate
   * @param burst requests allowed at once
   */
  public record RateLimit(@DefaultValue("100") double requestsPerSecond, @DefaultValue("200") int burst) {}

  /**
   * @param team name of the team created on first start
   * @param apiKey fixed value of the admin key (INCLINE_BOOTSTRAP_API_KEY); random when empty
   * @param keyFile where the admin key is written on first start (mode 600); nothing is written when empty
   */
  public record Bootstrap(@DefaultValue("default") String team, String apiKey, Path keyFile) {}
}
