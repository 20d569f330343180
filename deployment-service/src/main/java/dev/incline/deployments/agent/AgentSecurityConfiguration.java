package dev.incline.deployments.agent;

import dev.incline.deployments.config.DeploymentsProperties;
import dev.incline.platform.security.InternalSecurityAutoConfiguration;
import dev.incline.platform.security.InternalTokenProperties;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Two chains. {@code /internal/**} is for the agent inside a deployment's pods and takes only a
 * deployment token ({@code Authorization: Bearer}); the gateway never routes it, and a gateway token
 * does not work there. Everything else keeps the platform's usual rule: a gateway token in
 * {@code X-Incline-Token}. Declaring the first chain turns platform-core's default off, hence the second.
 */
@Configuration(proxyBeanMethods = false)
class AgentSecurityConfiguration {

  @Bean
  DeploymentTokens deploymentTokens(InternalTokenProperties internal, DeploymentsProperties deployments, Clock clock) {
    return new DeploymentTokens(internal.secret(), deployments.modelTokenTtl(), clock);
  }

  @Bean
  @Order(1)
  SecurityFilterChain agentChain(HttpSecurity http, DeploymentTokens tokens) throws Exception {
    return InternalSecurityAutoConfiguration.agentChain(http, "/internal/**", tokens.decoder(),
        "agent endpoints take a valid, unexpired deployment token (Authorization: Bearer)");
  }

  @Bean
  @Order(2)
  SecurityFilterChain serviceChain(HttpSecurity http, InternalTokenProperties properties) throws Exception {
    return InternalSecurityAutoConfiguration.serviceChain(http, properties);
  }
}
