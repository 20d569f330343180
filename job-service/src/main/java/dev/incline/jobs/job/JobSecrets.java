package dev.incline.jobs.job;

import java.util.Map;

/**
 * Secret environment variables a job's workload receives (the agent's job token). An interface here
 * so that building a workload does not depend on how the secrets are made.
 */
public interface JobSecrets {

  Map<String, String> secretEnv(Job job);
}
