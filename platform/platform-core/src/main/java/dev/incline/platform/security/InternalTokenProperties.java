package dev.incline.platform.security;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The token the gateway signs for each request it forwards to a service.
 *
 * @param secret shared HMAC-SHA256 key, at least 32 bytes; the same value on the gateway and every service
 * @param ttl how long a token is valid; it only has to outlive one request's trip through the gateway
 * @param header the request header that carries the token
 */
@ConfigurationProperties("incline.internal-token")
public record InternalTokenProperties(
    String secret,
    @DefaultValue("60s") Duration ttl,
    @DefaultValue(InternalTokens.HEADER) String header) {}
