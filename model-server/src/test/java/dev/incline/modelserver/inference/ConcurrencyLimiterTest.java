package dev.incline.modelserver.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incline.modelserver.error.InferenceException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

class ConcurrencyLimiterTest {

  @Test
  void refusesAtOnceOverTheLimitWithoutQueueTimeout() {
    ConcurrencyLimiter limiter = new ConcurrencyLimiter(2, Duration.ZERO);
    ConcurrencyLimiter.Slot first = limiter.acquire();
    ConcurrencyLimiter.Slot second = limiter.acquire();
    assertThat(limiter.inFlight()).isEqualTo(2);
    assertThatThrownBy(limiter::acquire).isInstanceOfSatisfying(ConcurrencyLimiter.Busy.class, e -> {
      assertThat(e.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
      assertThat(e.getMessage()).contains("server is busy: 2 inference request(s) in flight");
    });
    first.close();
    first.close(); // a second close gives nothing back twice
    assertThat(limiter.inFlight()).isEqualTo(1);
    try (ConcurrencyLimiter.Slot third = limiter.acquire()) {
      assertThat(limiter.inFlight()).isEqualTo(2);
    }
    second.close();
    assertThat(limiter.inFlight()).isZero();
  }

  @Test
  void aWaitingRequestGetsTheSlotThatFreesUp() throws Exception {
    ConcurrencyLimiter limiter = new ConcurrencyLimiter(1, Duration.ofSeconds(30));
    ConcurrencyLimiter.Slot held = limiter.acquire();
    CompletableFuture<ConcurrencyLimiter.Slot> waiter = CompletableFuture.supplyAsync(limiter::acquire,
        r -> Thread.ofVirtual().start(r));
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> limiter.waiting() == 1);
    assertThat(waiter).isNotDone();
    held.close();
    try (ConcurrencyLimiter.Slot slot = waiter.get(10, TimeUnit.SECONDS)) {
      assertThat(limiter.inFlight()).isEqualTo(1);
      assertThat(limiter.waiting()).isZero();
    }
  }

  @Test
  void givesUpAfterTheQueueTimeout() {
    ConcurrencyLimiter limiter = new ConcurrencyLimiter(1, Duration.ofMillis(50));
    try (ConcurrencyLimiter.Slot held = limiter.acquire()) {
      long start = System.nanoTime();
      assertThatThrownBy(limiter::acquire).isInstanceOf(InferenceException.class)
          .hasMessageContaining("none finished within PT0.05S");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(50));
      assertThat(limiter.waiting()).isZero();
    }
  }
}
