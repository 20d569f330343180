package dev.incline.modelserver.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.incline.modelserver.ModelServerApplication;
import dev.incline.modelserver.OipClient;
import dev.incline.modelserver.TestModels;
import dev.incline.modelserver.inference.InferenceService;
import dev.incline.modelserver.protocol.InferenceResponseWriter;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * How much HTTP adds to an inference: the same digits request, one at a time, three ways, in
 * alternating rounds so that drift (JIT, other load) hits all three alike.
 * <ol>
 *   <li>{@code ort}: {@code OrtSession.run} alone on a prepared float array (tensor in, scores out)</li>
 *   <li>{@code service}: the server's own path without HTTP: JSON bytes in, through
 *       {@link InferenceService} (parse, check, slot, run on the ONNX thread pool, metrics), JSON bytes out</li>
 *   <li>{@code http}: a POST to the running server over a keep-alive loopback connection (a raw socket
 *       client, so that the client's own cost stays small)</li>
 * </ol>
 * A measurement, not a test: its name matches neither surefire's nor failsafe's patterns, so a build
 * never runs it. Run it on a quiet machine (see docs/model-server.md):
 * <pre>
 * ./mvnw -B -o -pl model-server test -Dtest=HttpOverheadBench -Dbench.rows=1 -Dbench.iterations=20000 -Dbench.rounds=5
 * </pre>
 */
class HttpOverheadBench {

  @Test
  void measure() throws Exception {
    run(Integer.getInteger("bench.rows", 1), Integer.getInteger("bench.iterations", 20_000),
        Integer.getInteger("bench.rounds", 5));
  }

  static void run(int rows, int iterations, int rounds) throws Exception {
    Path model = TestModels.digits();

    ConfigurableApplicationContext context = ModelServerApplication.application().run(
        "--server.port=0", "--logging.level.root=WARN",
        "--incline.model-server.models[0].name=digits", "--incline.model-server.models[0].path=" + model);
    try {
      int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
      InferenceService service = context.getBean(InferenceService.class);
      InferenceResponseWriter writer = context.getBean(InferenceResponseWriter.class);
      OrtEnvironment env = context.getBean(OrtEnvironment.class);
      while (!context.getBean(dev.incline.modelserver.health.ServingState.class).ready()) {
        Thread.sleep(10);
      }

      float[] input = TestModels.digitsInput(rows);
      byte[] body = OipClient.digitsRequest(input, null).getBytes(StandardCharsets.UTF_8);
      long[] shape = {rows, 64};

      try (OrtSession session = env.createSession(model.toString(), new OrtSession.SessionOptions());
           HttpConnection http = new HttpConnection(port, "/v2/models/digits/infer", body)) {
        String first = http.call();
        if (!first.contains("\"scores\"")) {
          throw new IllegalStateException("unexpected response: " + first);
        }
        Runnable ort = () -> {
          try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), shape);
               OrtSession.Result result = session.run(Map.of("input", tensor), Set.of("scores"))) {
            ((OnnxTensor) result.get(0)).getFloatBuffer();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        Runnable inProcess = () -> {
          out.reset();
          writer.write(service.infer("digits", null, new ByteArrayInputStream(body), body.length), out);
        };
        Runnable overHttp = () -> {
          try {
            http.call();
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        };

        System.out.printf("digits model, %d row(s) per request, request %d bytes, %d iterations x %d rounds%n",
            rows, body.length, iterations, rounds);
        for (Runnable warm : new Runnable[] {ort, inProcess, overHttp}) {
          measure(warm, iterations);
        }
        long[][] p50 = new long[3][rounds];
        String[] names = {"ort", "service", "http"};
        Runnable[] ways = {ort, inProcess, overHttp};
        for (int round = 0; round < rounds; round++) {
          for (int w = 0; w < 3; w++) {
            long[] nanos = measure(ways[w], iterations);
            p50[w][round] = nanos[nanos.length / 2];
            System.out.printf("round %d %-8s p50 %7.1f us  p90 %7.1f us  p99 %7.1f us%n", round, names[w],
                nanos[nanos.length / 2] / 1e3, nanos[nanos.length * 9 / 10] / 1e3, nanos[nanos.length * 99 / 100] / 1e3);
          }
        }
        long ortP50 = median(p50[0]);
        long serviceP50 = median(p50[1]);
        long httpP50 = median(p50[2]);
        System.out.printf("median of round p50s: ort %.1f us, service %.1f us, http %.1f us%n", ortP50 / 1e3,
            serviceP50 / 1e3, httpP50 / 1e3);
        System.out.printf("HTTP overhead p50: %.1f us over the in-process service path, %.1f us over ONNX Runtime alone%n",
            (httpP50 - serviceP50) / 1e3, (httpP50 - ortP50) / 1e3);
      }
    } finally {
      context.close();
    }
  }

  private static long[] measure(Runnable call, int iterations) {
    long[] nanos = new long[iterations];
    for (int i = 0; i < iterations; i++) {
      long start = System.nanoTime();
      call.run();
      nanos[i] = System.nanoTime() - start;
    }
    Arrays.sort(nanos);
    return nanos;
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  /** HTTP/1.1 on one keep-alive socket: request bytes out, status line, headers and body in. */
  private static final class HttpConnection implements AutoCloseable {
    private final int port;
    private final byte[] request;
    private Socket socket;
    private OutputStream out;
    private InputStream in;

    HttpConnection(int port, String path, byte[] body) throws IOException {
      this.port = port;
      connect();
      byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
      request = Arrays.copyOf(head, head.length + body.length);
      System.arraycopy(body, 0, request, head.length, body.length);
    }

    private void connect() throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setTcpNoDelay(true);
      out = socket.getOutputStream();
      in = new BufferedInputStream(socket.getInputStream(), 65536);
    }

    /** One request; reconnects when the server closed the connection after the previous response. */
    String call() throws IOException {
      out.write(request);
      out.flush();
      String status = line();
      if (!status.startsWith("HTTP/1.1 200")) {
        throw new IOException("status " + status);
      }
      int length = -1;
      boolean chunked = false;
      boolean close = false;
      for (String header = line(); !header.isEmpty(); header = line()) {
        String lower = header.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Integer.parseInt(header.substring(15).trim());
        } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
          chunked = true;
        } else if (lower.startsWith("connection:") && lower.contains("close")) {
          close = true; // the server's keep-alive limit (server.tomcat.max-keep-alive-requests)
        }
      }
      if (!chunked) {
        String response = new String(in.readNBytes(length), StandardCharsets.UTF_8);
        if (close) {
          socket.close();
          connect();
        }
        return response;
      }
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      for (int size = Integer.parseInt(line().trim(), 16); size > 0; size = Integer.parseInt(line().trim(), 16)) {
        body.write(in.readNBytes(size));
        line();
      }
      line();
      return body.toString(StandardCharsets.UTF_8);
    }

    private String line() throws IOException {
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) != '\n') {
        if (c < 0) {
          throw new IOException("connection closed");
        }
        if (c != '\r') {
          line.append((char) c);
        }
      }
      return line.toString();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
