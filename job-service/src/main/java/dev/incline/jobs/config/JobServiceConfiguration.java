package dev.incline.jobs.config;

import dev.incline.compute.WorkloadRuntime;
import dev.incline.compute.docker.DockerRuntime;
import dev.incline.compute.docker.DockerRuntimeSettings;
import dev.incline.compute.process.ProcessRuntime;
import dev.incline.compute.process.ProcessRuntimeSettings;
import dev.incline.compute.workspace.SafeArchive;
import dev.incline.platform.idempotency.IdempotencyStore;
import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

@Configuration(proxyBeanMethods = false)
class JobServiceConfiguration {

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  IdempotencyStore idempotencyStore(JdbcClient jdbc, TransactionTemplate tx, JsonMapper json) {
    return new IdempotencyStore(jdbc, tx, json);
  }

  private static SafeArchive.Limits limits(JobsProperties jobs) {
    return new SafeArchive.Limits(jobs.workspace().maxUnpackedSize().toBytes(), jobs.workspace().maxEntries());
  }

  @Bean
  @ConditionalOnProperty(prefix = "incline.compute", name = "runtime", havingValue = "process", matchIfMissing = true)
  WorkloadRuntime processRuntime(ComputeProperties compute, JobsProperties jobs) {
    return new ProcessRuntime(new ProcessRuntimeSettings(compute.workRoot(), compute.storageRoot(), compute.processPath(),
        limits(jobs)));
  }

  @Bean
  @ConditionalOnProperty(prefix = "incline.compute", name = "runtime", havingValue = "docker")
  WorkloadRuntime dockerRuntime(ComputeProperties compute, JobsProperties jobs) {
    return new DockerRuntime(new DockerRuntimeSettings(compute.dockerHost(), compute.workRoot(), compute.storageRoot(),
        limits(jobs)));
  }
}
