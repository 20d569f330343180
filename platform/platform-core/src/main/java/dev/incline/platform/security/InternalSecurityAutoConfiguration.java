package dev.incline.platform.security;

import dev.incline.platform.error.ProblemDetailsAdvice;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Clock;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Services accept only requests that carry a valid internal token from the gateway; anything else
 * is a 401 problem. Health, metrics and the OpenAPI document stay open for probes and scrapers.
 * Active when {@code incline.internal-token.secret} is set and the application has no chain of its own.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "incline.internal-token", name = "secret")
@EnableConfigurationProperties(InternalTokenProperties.class)
public class InternalSecurityAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  InternalTokens internalTokens(InternalTokenProperties properties) {
    return new InternalTokens(properties.secret(), properties.ttl(), Clock.systemUTC());
  }

  @Bean
  @ConditionalOnMissingBean
  JwtDecoder internalTokenDecoder(InternalTokens tokens) {
    return tokens.decoder();
  }

  @Bean
  @ConditionalOnMissingBean(SecurityFilterChain.class)
  SecurityFilterChain internalTokenChain(HttpSecurity http, InternalTokenProperties properties) throws Exception {
    return serviceChain(http, properties);
  }

  /**
   * The rules of the default chain, for a service that declares chains of its own (for paths with
   * another authentication, under their own {@code securityMatcher}): any chain it declares turns the
   * default off, so it declares this one too, ordered after its own.
   */
  public static SecurityFilterChain serviceChain(HttpSecurity http, InternalTokenProperties properties) throws Exception {
    http.csrf(c -> c.disable())
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .authorizeHttpRequests(a -> a
            .requestMatchers("/actuator/**", "/v3/api-docs/**", "/error").permitAll()
            .anyRequest().authenticated())
        .oauth2ResourceServer(o -> o
            .bearerTokenResolver(request -> request.getHeader(properties.header()))
            .authenticationEntryPoint((request, response, e) -> unauthorized(response))
            .jwt(j -> {}))
        .exceptionHandling(e -> e.authenticationEntryPoint((request, response, ex) -> unauthorized(response)));
    return http.build();
  }

  /**
   * A chain for the paths agents inside workloads call ({@code /internal/**}): only a bearer token
   * that {@code decoder} accepts (a job's or a deployment's, never a gateway token); anything else is
   * a 401 problem whose detail says which token the path takes.
   */
  public static SecurityFilterChain agentChain(HttpSecurity http, String pattern,
      org.springframework.security.oauth2.jwt.JwtDecoder decoder, String detail) throws Exception {
    http.securityMatcher(pattern)
        .csrf(c -> c.disable())
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .authorizeHttpRequests(a -> a.anyRequest().authenticated())
        .oauth2ResourceServer(o -> o
            .authenticationEntryPoint((request, response, e) -> unauthorized(response, detail))
            .jwt(j -> j.decoder(decoder)))
        .exceptionHandling(e -> e.authenticationEntryPoint((request, response, ex) -> unauthorized(response, detail)));
    return http.build();
  }

  private static void unauthorized(HttpServletResponse response) throws java.io.IOException {
    unauthorized(response, "requests reach services only through the gateway, with a valid internal token");
  }

  private static void unauthorized(HttpServletResponse response, String detail) throws java.io.IOException {
    response.setStatus(HttpStatus.UNAUTHORIZED.value());
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    response.setCharacterEncoding(java.nio.charset.StandardCharsets.UTF_8);
    response.getWriter().write("{\"type\":\"" + ProblemDetailsAdvice.TYPE_BASE + "unauthenticated\","
        + "\"title\":\"Unauthorized\",\"status\":401,"
        + "\"detail\":\"" + detail + "\"}");
  }

  @Bean
  WebMvcConfigurer callerArgumentResolver() {
    return new WebMvcConfigurer() {
      @Override
      public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(new CallerResolver());
      }
    };
  }

  /** Resolves a {@link Caller} controller parameter from the verified token. */
  static final class CallerResolver implements HandlerMethodArgumentResolver {
    @Override
    public boolean supportsParameter(MethodParameter parameter) {
      return parameter.getParameterType() == Caller.class;
    }

    @Override
    public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer mav,
        NativeWebRequest request, WebDataBinderFactory binderFactory) {
      // The gateway authenticates API keys itself and leaves the caller on the request.
      Object attribute = request.getAttribute(Caller.ATTRIBUTE, NativeWebRequest.SCOPE_REQUEST);
      if (attribute instanceof Caller caller) {
        return caller;
      }
      if (SecurityContextHolder.getContext().getAuthentication() instanceof JwtAuthenticationToken token) {
        return InternalTokens.toCaller(token.getToken());
      }
      throw new IllegalStateException("no internal token on an authenticated request");
    }
  }
}
