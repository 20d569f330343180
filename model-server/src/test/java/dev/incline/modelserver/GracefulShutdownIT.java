package dev.incline.modelserver;

import static dev.incline.modelserver.OipClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.incline.modelserver.OipClient.SlowRequest;
import dev.incline.modelserver.health.ServingState;
import dev.incline.modelserver.inference.ConcurrencyLimiter;
import java.net.ConnectException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/** SIGTERM as Spring sees it (the context closes): not ready first, then a graceful drain, then the sessions close. */
class GracefulShutdownIT {

  @Test
  void shutdownReportsNotReadyAndLetsTheRequestInFlightFinish() throws Exception {
    ConfigurableApplicationContext context = ModelServerApplication.application().run(
        "--server.port=0",
        "--incline.model-server.models[0].name=digits",
        "--incline.model-server.models[0].path=" + TestModels.digits(),
        "--incline.model-server.drain-delay=2s");
    int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    OipClient client = new OipClient(port);
    ServingState state = context.getBean(ServingState.class);
    ConcurrencyLimiter limiter = context.getBean(ConcurrencyLimiter.class);
    await().atMost(Duration.ofSeconds(30)).until(() -> client.get("/v2/health/ready").statusCode() == 200);

    float[] input = TestModels.digitsInput(3);
    Thread closer;
    try (SlowRequest inFlight = new SlowRequest(port, "/v2/models/digits/infer", OipClient.digitsRequest(input, "last"), 10)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> limiter.inFlight() == 1);

      closer = Thread.ofPlatform().name("closer").start(context::close);

      await().atMost(Duration.ofSeconds(10)).until(state::draining);
      assertThat(state.ready()).isFalse();
      // during drain-delay the server still listens, and says it is not ready
      var ready = client.get("/v2/health/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(json(ready).get("ready").asBoolean()).isFalse();
      assertThat(client.get("/actuator/health/readiness").statusCode()).isEqualTo(503);
      // graceful shutdown waits for the request in flight
      await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(closer::isAlive);

      String response = inFlight.finish();
      assertThat(SlowRequest.status(response)).isEqualTo(200);
      ModelServerIT.assertScores(json(SlowRequest.body(response)).get("outputs").get(0).get("data"),
          TestModels.digitsScores(input));
    }
    closer.join(Duration.ofSeconds(30));
    assertThat(closer.isAlive()).isFalse();
    assertThat(context.isActive()).isFalse();
    try {
      client.get("/v2/health/live");
      throw new AssertionError("the server still listens after shutdown");
    } catch (ConnectException expected) {
      // stopped
    }
  }
}
