package dev.incline.jobs.agent;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * What the agent inside a job's workload may do.
 *
 * @param maxArtifactSize largest single artifact the agent may upload
 * @param uploadUrlTtl lifetime of a presigned artifact PUT URL; long enough for the largest upload
 * @param tokenGrace how long a job token outlives the job's {@code maxRuntimeSeconds}: the agent
 *     uploads once more after the job ends, and a job may wait to be scheduled
 */
@ConfigurationProperties("incline.jobs.agent-uploads")
public record AgentProperties(
    @DefaultValue("50GB") DataSize maxArtifactSize,
    @DefaultValue("1h") Duration uploadUrlTtl,
    @DefaultValue("1h") Duration tokenGrace) {}
