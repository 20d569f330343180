package dev.incline.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incline.embedded.SharedInfrastructure;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** A budget small enough that even a slow machine spends it: 5 at once, then 1 a second. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = GatewayApplication.CONFIG_NAME)
class RateLimitIT {

  static final String KEY = "rate-limit-admin-key-0123456789";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    SharedInfrastructure.properties("gateway_rate_limit").forEach((k, v) -> registry.add(k, () -> v));
    registry.add("incline.internal-token.secret", () -> "rate-limit-internal-secret-0123456789");
    registry.add("incline.gateway.bootstrap.api-key", () -> KEY);
    registry.add("incline.gateway.rate-limit.requests-per-second", () -> "1");
    registry.add("incline.gateway.rate-limit.burst", () -> "5");
  }

  @LocalServerPort int port;
  final HttpClient http = HttpClient.newHttpClient();

  HttpResponse<String> me(String key) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/me"))
        .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aKeyOverItsBudgetGets429WithRetryAfterAndOtherKeysDoNot() throws Exception {
    List<Integer> statuses = new ArrayList<>();
    HttpResponse<String> limited = null;
    for (int i = 0; i < 12 && limited == null; i++) {
      HttpResponse<String> r = me(KEY);
      statuses.add(r.statusCode());
      if (r.statusCode() == 429) {
        limited = r;
      }
    }
    assertThat(limited).as("statuses %s", statuses).isNotNull();
    assertThat(statuses.subList(0, 5)).containsOnly(200);
    assertThat(limited.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isPositive());
    assertThat(limited.headers().firstValue("Content-Type").orElseThrow()).contains("application/problem+json");
    assertThat(limited.body()).contains("/rate-limited");
    // An unknown key is refused for what it is, not for someone else's budget.
    assertThat(me("ink_unknown-key-000000000000").statusCode()).isEqualTo(401);
  }
}
