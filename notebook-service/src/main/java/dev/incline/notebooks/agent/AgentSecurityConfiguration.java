package dev.incline.notebooks.agent;

import dev.incline.platform.security.InternalSecurityAutoConfiguration;
import dev.incline.platform.security.InternalTokenProperties;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Two chains. {@code /internal/**} is for the agent inside a notebook's pod and takes only a notebook
 * token ({@code Authorization: Bearer}); the gateway never routes it. Everything else, the notebooks'
 * own pages and WebSockets included, keeps the platform's rule: a gateway token in
 * {@code X-Incline-Token}. Declaring the first chain turns platform-core's default off, hence the second.
 */
@Configuration(proxyBeanMethods = false)
class AgentSecurityConfiguration {

  @Bean
  NotebookTokens notebookTokens(InternalTokenProperties internal, Clock clock) {
    return new NotebookTokens(internal.secret(), clock);
  }

  @Bean
  @Order(1)
  SecurityFilterChain agentChain(HttpSecurity http, NotebookTokens tokens) throws Exception {
    return InternalSecurityAutoConfiguration.agentChain(http, "/internal/**", tokens.decoder(),
        "agent endpoints take a valid, unexpired notebook token (Authorization: Bearer)");
  }

  @Bean
  @Order(2)
  SecurityFilterChain serviceChain(HttpSecurity http, InternalTokenProperties properties) throws Exception {
    return InternalSecurityAutoConfiguration.serviceChain(http, properties);
  }
}
