package dev.incline.jobs.agent;

import dev.incline.platform.security.InternalSecurityAutoConfiguration;
import dev.incline.platform.security.InternalTokenProperties;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Two chains. {@code /internal/**} is for agents inside workloads and takes only a job token
 * ({@code Authorization: Bearer}); the gateway never routes it, and a gateway token does not work
 * there. Everything else keeps the platform's usual rule: a gateway token in {@code X-Incline-Token}.
 * Declaring the first chain turns platform-core's default off, hence the second.
 */
@Configuration(proxyBeanMethods = false)
class AgentSecurityConfiguration {

  @Bean
  JobTokens jobTokens(InternalTokenProperties internal, AgentProperties agent, Clock clock) {
    return new JobTokens(internal.secret(), agent.tokenGrace(), clock);
  }

  @Bean
  @Order(1)
  SecurityFilterChain agentChain(HttpSecurity http, JobTokens tokens) throws Exception {
    return InternalSecurityAutoConfiguration.agentChain(http, "/internal/**", tokens.decoder(),
        "agent endpoints take a valid, unexpired job token (Authorization: Bearer)");
  }

  @Bean
  @Order(2)
  SecurityFilterChain serviceChain(HttpSecurity http, InternalTokenProperties properties) throws Exception {
    return InternalSecurityAutoConfiguration.serviceChain(http, properties);
  }
}
