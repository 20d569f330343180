package dev.incline.agent;

import dev.incline.compute.datasets.DatasetVersionFetcher;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The init container of a job with dataset inputs on Kubernetes: asks job-service (with the job
 * token) for the files of the job's versions and fetches each version into the team volume's cache,
 * unless an earlier pod of the team already did.
 */
@Command(name = "fetch-datasets", mixinStandardHelpOptions = true,
    description = "Fetches the job's dataset versions into --cache, one read-only directory per version.")
final class FetchDatasetsCommand implements Callable<Integer> {

  @Option(names = "--api", required = true, description = "job-service base URL")
  URI api;

  @Option(names = "--job", required = true, description = "the job's id")
  String job;

  @Option(names = "--token-file", required = true, description = "file holding the job token")
  Path tokenFile;

  @Option(names = "--cache", required = true, description = "cache directory, e.g. /storage/.incline/datasets")
  Path cache;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Map<String, List<DatasetVersionFetcher.File>> versions;
    try {
      versions = parse(list());
    } catch (IllegalArgumentException e) {
      err.println("incline-agent: job-service sent a dataset listing this agent cannot read: " + e.getMessage());
      return Agent.REJECTED;
    } catch (IOException e) {
      err.println("incline-agent: could not list the job's datasets: " + e.getMessage());
      return Agent.FAILED;
    }
    DatasetVersionFetcher fetcher = new DatasetVersionFetcher();
    for (var v : versions.entrySet()) {
      try {
        DatasetVersionFetcher.Result r = fetcher.fetch(cache, v.getKey(), v.getValue());
        out.println(r.downloaded()
            ? "incline-agent: fetched dataset version " + v.getKey() + ": " + r.files() + " files, " + r.bytes() + " bytes"
            : "incline-agent: dataset version " + v.getKey() + " is already on the team volume");
      } catch (IOException e) {
        err.println("incline-agent: could not fetch dataset version " + v.getKey() + ": " + e.getMessage());
        return Agent.FAILED;
      }
    }
    return Agent.OK;
  }

  private String list() throws IOException, InterruptedException {
    String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
    URI uri = URI.create(api.toString().replaceAll("/+$", "") + "/internal/v1/jobs/" + job + "/datasets");
    HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
        .send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token).timeout(Duration.ofMinutes(2)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("job-service answered " + r.statusCode());
    }
    return r.body();
  }

  /** Tab-separated {@code versionId, mountAs, path (percent-encoded), size, sha256, url}, by version. */
  static Map<String, List<DatasetVersionFetcher.File>> parse(String tsv) {
    Map<String, List<DatasetVersionFetcher.File>> versions = new LinkedHashMap<>();
    for (String line : tsv.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split("\t", -1);
      if (f.length != 6) {
        throw new IllegalArgumentException("a line has " + f.length + " fields, not 6");
      }
      versions.computeIfAbsent(f[0], k -> new ArrayList<>()).add(new DatasetVersionFetcher.File(
          URLDecoder.decode(f[2], StandardCharsets.UTF_8), Long.parseLong(f[3]), f[4].isEmpty() ? null : f[4], URI.create(f[5])));
    }
    return versions;
  }
}
