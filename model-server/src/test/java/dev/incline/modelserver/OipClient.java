package dev.incline.modelserver;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A plain HTTP client of the model server, as any Open Inference Protocol client would be. */
public final class OipClient {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final int port;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  public OipClient(int port) {
    this.port = port;
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  public HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** POSTs a JSON body, with more headers as name, value, name, value... */
  public HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json");
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return http.send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  public static JsonNode json(HttpResponse<String> response) {
    return JSON.readTree(response.body());
  }

  public static JsonNode json(String body) {
    return JSON.readTree(body);
  }

  /** An inference request body for the digits model, flat data. */
  public static String digitsRequest(float[] input, String id) {
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < input.length; i++) {
      data.append(i == 0 ? "" : ",").append(input[i]);
    }
    return "{" + (id == null ? "" : "\"id\": \"" + id + "\", ")
        + "\"inputs\": [{\"name\": \"input\", \"shape\": [" + input.length / 64 + ", 64], \"datatype\": \"FP32\", \"data\": ["
        + data + "]}]}";
  }

  /**
   * A request whose body the test hands over in two parts, on a raw socket: the server takes its
   * concurrency slot before it reads the body, so until {@link #finish()} the request holds the slot.
   */
  public static final class SlowRequest implements AutoCloseable {
    private final Socket socket = new Socket();
    private final byte[] rest;

    public SlowRequest(int port, String path, String body, int firstPart) throws Exception {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout(60_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(bytes, 0, firstPart);
      out.flush();
      rest = java.util.Arrays.copyOfRange(bytes, firstPart, bytes.length);
    }

    /** Sends the rest of the body and returns the raw response: status line, headers, body. */
    public String finish() throws Exception {
      socket.getOutputStream().write(rest);
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws Exception {
      socket.close();
    }

    public static int status(String rawResponse) {
      return Integer.parseInt(rawResponse.substring(9, 12));
    }

    public static String body(String rawResponse) {
      return rawResponse.substring(rawResponse.indexOf("\r\n\r\n") + 4);
    }
  }
}
