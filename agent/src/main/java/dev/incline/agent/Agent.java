package dev.incline.agent;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The agent that runs inside workloads: {@code fetch} puts the code into the workspace (the init
 * container), {@code fetch-datasets} the job's dataset versions onto the team volume,
 * {@code upload} ships the artifacts directory to S3 as files appear (the sidecar), and
 * {@code fetch-model} puts a deployment's model version into its pod (the init container of model servers).
 * Exit codes: 0 done, 1 transfer failed (worth retrying), 2 input rejected (not worth retrying).
 */
@Command(name = "incline-agent", mixinStandardHelpOptions = true, version = "incline-agent 0.1.0",
    subcommands = {FetchCommand.class, FetchDatasetsCommand.class, UploadCommand.class, FetchModelCommand.class},
    description = "Fetches a workload's workspace, datasets or model, and uploads its artifacts.")
public final class Agent implements Runnable {

  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int REJECTED = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: fetch, fetch-datasets, upload or fetch-model");
  }

  public static CommandLine commandLine() {
    return new CommandLine(new Agent());
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
