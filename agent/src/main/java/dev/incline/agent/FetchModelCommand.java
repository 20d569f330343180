package dev.incline.agent;

import dev.incline.compute.datasets.DatasetVersionFetcher;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The init container of a model deployment on Kubernetes: reads the model version's manifest (with
 * the deployment's token) and fetches its files into {@code --dest}, each checked against its SHA-256,
 * read-only, the directory renamed into place only when complete; a complete {@code --dest} is left as
 * it is. The files themselves come from their presigned URLs, without the token.
 *
 * <p>The manifest: {@code {"files": [{"path": "model.onnx", "size": 123, "sha256": "<hex>", "url": "<presigned URL>"}]}}.
 */
@Command(name = "fetch-model", mixinStandardHelpOptions = true,
    description = "Fetches a model version's files into --dest, read-only, checked against their SHA-256.")
final class FetchModelCommand implements Callable<Integer> {

  /** Where the token is when no --token-file is given: set from the deployment's Secret. */
  static final String TOKEN_ENV = "INCLINE_DEPLOYMENT_TOKEN";

  @Option(names = "--manifest-url", required = true, description = "URL of the model version's file manifest")
  URI manifestUrl;

  @Option(names = "--dest", required = true, description = "directory to create with the files, e.g. /models/digits")
  Path dest;

  @Option(names = "--token-file", description = "file holding the bearer token (default: env " + TOKEN_ENV + ")")
  Path tokenFile;

  @Spec CommandSpec spec;

  /** The environment, replaceable in tests. */
  UnaryOperator<String> env = System::getenv;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (Files.isDirectory(dest)) {
      // complete by construction (renamed into place only when every file was checked)
      out.println("incline-agent: the model is already in " + dest);
      return Agent.OK;
    }
    String token;
    try {
      token = token();
    } catch (IOException e) {
      err.println("incline-agent: cannot read the token: " + e.getMessage());
      return Agent.REJECTED;
    }
    if (token == null || token.isBlank()) {
      err.println("incline-agent: no token: give --token-file or set " + TOKEN_ENV);
      return Agent.REJECTED;
    }
    List<DatasetVersionFetcher.File> files;
    try {
      files = parse(manifest(token));
    } catch (IllegalArgumentException e) {
      err.println("incline-agent: the model manifest cannot be read: " + e.getMessage());
      return Agent.REJECTED;
    } catch (IOException e) {
      err.println("incline-agent: could not get the model manifest: " + e.getMessage());
      return Agent.FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Agent.FAILED;
    }
    try {
      DatasetVersionFetcher.Result r = new DatasetVersionFetcher().fetchInto(dest, files);
      out.println(r.downloaded()
          ? "incline-agent: fetched the model into " + dest + ": " + r.files() + " files, " + r.bytes() + " bytes"
          : "incline-agent: the model is already in " + dest);
      return Agent.OK;
    } catch (IOException e) {
      err.println("incline-agent: could not fetch the model: " + e.getMessage());
      return Agent.FAILED;
    }
  }

  private String token() throws IOException {
    if (tokenFile != null) {
      return Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
    }
    String value = env.apply(TOKEN_ENV);
    return value == null ? null : value.strip();
  }

  private String manifest(String token) throws IOException, InterruptedException {
    // no redirects: the token is for this URL alone
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
        .followRedirects(HttpClient.Redirect.NEVER).build();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(manifestUrl)
            .header("Authorization", "Bearer " + token).header("Accept", "application/json")
            .timeout(Duration.ofMinutes(2)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(manifestUrl.getHost() + " answered " + r.statusCode());
    }
    return r.body();
  }

  /**
   * The manifest's files; refuses (IllegalArgumentException) anything but a non-empty list of
   * distinct relative paths inside the directory, each with a size, a SHA-256 and an http(s) URL.
   */
  static List<DatasetVersionFetcher.File> parse(String json) {
    if (!(Json.parse(json) instanceof Map<?, ?> root) || !(root.get("files") instanceof List<?> entries)) {
      throw new IllegalArgumentException("expected an object with a \"files\" array");
    }
    if (entries.isEmpty()) {
      throw new IllegalArgumentException("the manifest lists no files");
    }
    List<DatasetVersionFetcher.File> files = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Object entry : entries) {
      if (!(entry instanceof Map<?, ?> f)) {
        throw new IllegalArgumentException("a file entry is not an object");
      }
      String path = text(f, "path");
      if (path.startsWith("/") || path.contains("\\") || path.contains("\0")
          || List.of(path.split("/", -1)).stream().anyMatch(p -> p.isEmpty() || p.equals(".") || p.equals(".."))) {
        throw new IllegalArgumentException("refusing a file outside the model's directory: " + path);
      }
      if (!seen.add(path)) {
        throw new IllegalArgumentException("a file is listed twice: " + path);
      }
      if (!(f.get("size") instanceof BigDecimal size) || size.signum() < 0) {
        throw new IllegalArgumentException(path + ": size must be a number of bytes");
      }
      String sha256 = text(f, "sha256").toLowerCase(java.util.Locale.ROOT);
      if (!sha256.matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException(path + ": sha256 must be 64 hex digits");
      }
      URI url;
      try {
        url = URI.create(text(f, "url"));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(path + ": not a URL");
      }
      if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
        throw new IllegalArgumentException(path + ": not an http(s) URL");
      }
      long bytes;
      try {
        bytes = size.longValueExact();
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException(path + ": size must be a number of bytes");
      }
      files.add(new DatasetVersionFetcher.File(path, bytes, sha256, url));
    }
    return files;
  }

  private static String text(Map<?, ?> f, String field) {
    if (!(f.get(field) instanceof String s) || s.isEmpty()) {
      throw new IllegalArgumentException("a file entry has no \"" + field + "\"");
    }
    return s;
  }
}
