package dev.incline.deployments.config;

import dev.incline.compute.WorkloadRuntime;
import dev.incline.compute.docker.DockerRuntime;
import dev.incline.compute.docker.DockerRuntimeSettings;
import dev.incline.compute.process.ProcessRuntime;
import dev.incline.compute.process.ProcessRuntimeSettings;
import dev.incline.platform.project.ProjectDirectory;
import dev.incline.platform.security.InternalTokens;
import dev.incline.platform.service.ServiceCalls;
import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

@Configuration(proxyBeanMethods = false)
class DeploymentServiceConfiguration {

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  ServiceCalls serviceCalls(InternalTokens tokens, JsonMapper json) {
    return new ServiceCalls(tokens, json, "deployment-service");
  }

  @Bean
  ProjectDirectory projectDirectory(DeploymentsProperties properties, InternalTokens tokens) {
    return new ProjectDirectory(properties.services().jobs(), tokens);
  }

  // Replicas have no workspace to unpack: the archive limits are the runtimes' defaults.
  @Bean
  @ConditionalOnProperty(prefix = "incline.compute", name = "runtime", havingValue = "process", matchIfMissing = true)
  WorkloadRuntime processRuntime(ComputeProperties compute) {
    return new ProcessRuntime(new ProcessRuntimeSettings(compute.workRoot(), compute.storageRoot(), compute.processPath(), null));
  }

  @Bean
  @ConditionalOnProperty(prefix = "incline.compute", name = "runtime", havingValue = "docker")
  WorkloadRuntime dockerRuntime(ComputeProperties compute) {
    return new DockerRuntime(new DockerRuntimeSettings(compute.dockerHost(), compute.workRoot(), compute.storageRoot(), null));
  }
}
