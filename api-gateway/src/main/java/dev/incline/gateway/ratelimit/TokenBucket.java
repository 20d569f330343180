package dev.incline.gateway.ratelimit;

/** A token bucket: {@code rate} tokens a second up to {@code capacity}. Thread-safe. */
final class TokenBucket {

  private final double rate;
  private final double capacity;
  private double tokens;
  private long last;

  TokenBucket(double rate, double capacity, long now) {
    this.rate = rate;
    this.capacity = capacity;
    this.tokens = capacity;
    this.last = now;
  }

  /** Takes a token; returns 0 when taken, else the nanoseconds until one is available. */
  synchronized long tryTake(long now) {
    tokens = Math.min(capacity, tokens + (now - last) * rate / 1e9);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return (long) Math.ceil((1 - tokens) / rate * 1e9);
  }
}
