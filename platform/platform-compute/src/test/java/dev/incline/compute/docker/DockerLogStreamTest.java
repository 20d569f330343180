package dev.incline.compute.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import dev.incline.compute.LogLine;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The follow loop against a scripted engine: reopening, back pressure, closing. */
class DockerLogStreamTest {

  private static Frame out(int second, String text) {
    String stamp = "2026-11-21T09:00:%02d.000000000Z".formatted(second);
    return new Frame(StreamType.STDOUT, (stamp + " " + text).getBytes(StandardCharsets.UTF_8));
  }

  /** Each open() plays the frames its attempt number gives, on its own thread like docker-java. */
  private static final class ScriptedSource implements DockerLogStream.Source {
    final Function<Integer, List<Frame>> attempts;
    final List<Long> sinces = new CopyOnWriteArrayList<>();
    final AtomicInteger opened = new AtomicInteger();
    volatile int runningFor; // how many attempts see the container still running
    final AtomicBoolean connectionClosed = new AtomicBoolean();

    ScriptedSource(int runningFor, Function<Integer, List<Frame>> attempts) {
      this.runningFor = runningFor;
      this.attempts = attempts;
    }

    @Override
    public void open(Long sinceSeconds, ResultCallback<Frame> callback) {
      sinces.add(sinceSeconds == null ? -1 : sinceSeconds);
      int attempt = opened.getAndIncrement();
      Thread.ofPlatform().daemon().start(() -> {
        callback.onStart(() -> connectionClosed.set(true));
        for (Frame f : attempts.apply(attempt)) {
          if (connectionClosed.get()) {
            callback.onError(new java.io.IOException("closed"));
            return;
          }
          callback.onNext(f);
        }
        callback.onComplete();
      });
    }

    @Override
    public boolean mayWriteMore() {
      return opened.get() <= runningFor;
    }
  }

  private static List<String> drain(DockerLogStream stream) throws InterruptedException {
    List<String> texts = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!stream.ended() && System.nanoTime() < deadline) {
      LogLine line = stream.next(Duration.ofMillis(100));
      if (line != null) {
        texts.add(line.text());
      }
    }
    assertThat(stream.ended()).isTrue();
    return texts;
  }

  @Test
  void endsWhenTheEngineEndsTheStreamOfAFinishedContainer() throws Exception {
    ScriptedSource source = new ScriptedSource(0, attempt -> List.of(out(1, "a\n"), out(2, "b\n"), out(3, "tail")));
    try (DockerLogStream stream = DockerLogStream.follow(source, null, "test")) {
      assertThat(drain(stream)).containsExactly("a", "b", "tail");
    }
    assertThat(source.sinces).containsExactly(-1L);
  }

  @Test
  void reopensAfterTheLastQueuedLineWhileTheContainerStillRuns() throws Exception {
    // The first attempt breaks off in the middle of "c"; the engine sends everything since second 2 again.
    ScriptedSource source = new ScriptedSource(1, attempt -> attempt == 0
        ? List.of(out(1, "a\n"), out(2, "b\n"), out(3, "c-part"))
        : List.of(out(2, "b\n"), out(3, "c-part"), out(3, "-rest\n"), out(4, "d\n")));
    try (DockerLogStream stream = DockerLogStream.follow(source, null, "test")) {
      assertThat(drain(stream)).containsExactly("a", "b", "c-part-rest", "d");
    }
    assertThat(source.sinces).hasSize(2);
    assertThat(source.sinces.get(1)).isEqualTo(java.time.Instant.parse("2026-11-21T09:00:02Z").getEpochSecond());
  }

  @Test
  void holdsTheEngineBackWhileTheReaderIsSlowAndLosesNothing() throws Exception {
    int total = DockerLogStream.QUEUE_LINES * 4;
    List<Frame> frames = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      frames.add(out(i % 60, "line-" + i + "\n"));
    }
    ScriptedSource source = new ScriptedSource(0, attempt -> frames);
    try (DockerLogStream stream = DockerLogStream.follow(source, null, "test")) {
      Thread.sleep(300); // the producer fills the queue and waits
      List<String> texts = drain(stream);
      assertThat(texts).hasSize(total);
      assertThat(texts.getLast()).isEqualTo("line-" + (total - 1));
    }
  }

  @Test
  void closingStopsABlockedProducerAndEndsTheStream() throws Exception {
    List<Frame> frames = new ArrayList<>();
    for (int i = 0; i < DockerLogStream.QUEUE_LINES * 2; i++) {
      frames.add(out(1, "x\n"));
    }
    ScriptedSource source = new ScriptedSource(0, attempt -> frames);
    DockerLogStream stream = DockerLogStream.follow(source, null, "test");
    assertThat(stream.next(Duration.ofSeconds(5))).isNotNull();
    stream.close();
    assertThat(stream.ended()).isTrue();
    assertThat(stream.next(Duration.ofMillis(10))).isNull();
    assertThat(source.connectionClosed).isTrue();
  }
}
