package dev.incline.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenBucketTest {

  private static final long SECOND = 1_000_000_000L;

  @Test
  void allowsABurstThenTheSustainedRate() {
    TokenBucket bucket = new TokenBucket(10, 5, 0);
    for (int i = 0; i < 5; i++) {
      assertThat(bucket.tryTake(0)).isZero();
    }
    long wait = bucket.tryTake(0);
    assertThat(wait).isBetween(SECOND / 10 - 1000, SECOND / 10 + 1000);
    assertThat(bucket.tryTake(SECOND / 10)).isZero();
    assertThat(bucket.tryTake(SECOND / 10)).isPositive();
  }

  @Test
  void refillsNoMoreThanItsCapacity() {
    TokenBucket bucket = new TokenBucket(100, 3, 0);
    int taken = 0;
    while (bucket.tryTake(60 * SECOND) == 0) {
      taken++;
    }
    assertThat(taken).isEqualTo(3);
  }
}
