package dev.incline.modelserver.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.incline.modelserver.ModelServerApplication;
import dev.incline.modelserver.OipClient;
import dev.incline.modelserver.TestModels;
import dev.incline.modelserver.inference.InferenceService;
import dev.incline.modelserver.protocol.InferenceResponseWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
           LoopbackHttp http = new LoopbackHttp(port)) {
        byte[] request = LoopbackHttp.post("/v2/models/digits/infer", body);
        String first = http.call(request).body();
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
            if (http.call(request).status() != 200) {
              throw new IllegalStateException("not a 200");
            }
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
}
