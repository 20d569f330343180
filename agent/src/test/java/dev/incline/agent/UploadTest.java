package dev.incline.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UploadTest {

  @TempDir Path tmp;
  private Path dir;
  private Path tokenFile;
  private FakeJobService server;
  private final MutableClock clock = new MutableClock();
  private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
  private ArtifactWatcher watcher;

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createDirectories(tmp.resolve("artifacts"));
    tokenFile = Files.writeString(tmp.resolve("token"), "job-token-123\n");
    server = new FakeJobService();
    UploadClient client = new UploadClient(server.uri(), "job_1", tokenFile,
        new UploadClient.Backoff(4, Duration.ofMillis(10), Duration.ofMillis(40), () -> false));
    watcher = new ArtifactWatcher(dir, Duration.ofSeconds(2), client::upload, clock,
        new PrintStream(logBytes, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  @Test
  void filesAreUploadedOnceTheyHaveSettled() throws Exception {
    Files.writeString(dir.resolve("model.onnx"), "weights");
    assertThat(watcher.pass()).as("first seen").isZero();
    clock.advance(Duration.ofSeconds(1));
    assertThat(watcher.pass()).as("not settled yet").isZero();
    clock.advance(Duration.ofSeconds(1));
    assertThat(watcher.pass()).isEqualTo(1);

    Files.createDirectories(dir.resolve("checkpoints/epoch-1"));
    Files.writeString(dir.resolve("checkpoints/epoch-1/state.pt"), "state");
    watcher.pass();
    clock.advance(Duration.ofSeconds(2));
    assertThat(watcher.pass()).isEqualTo(1);
    assertThat(watcher.pass()).as("nothing new").isZero();

    assertThat(server.putPaths()).containsExactly("model.onnx", "checkpoints/epoch-1/state.pt");
    assertThat(server.puts.get(0).text()).isEqualTo("weights");
    assertThat(server.presigns).allSatisfy(p -> {
      assertThat(p.job()).isEqualTo("job_1");
      assertThat(p.authorization()).isEqualTo("Bearer job-token-123");
    });
    assertThat(server.presigns.get(1).body()).isEqualTo("{\"path\":\"checkpoints/epoch-1/state.pt\",\"size\":5}");
    assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("uploaded model.onnx (7 bytes");
  }

  @Test
  void aFileThatChangesIsUploadedAgainAfterItSettles() throws Exception {
    Path metrics = dir.resolve("metrics.json");
    Files.writeString(metrics, "{\"loss\": 1}");
    watcher.pass();
    clock.advance(Duration.ofSeconds(2));
    assertThat(watcher.pass()).isEqualTo(1);

    Files.writeString(metrics, "{\"loss\": 0.25}");
    assertThat(watcher.pass()).as("changed: settles again").isZero();
    clock.advance(Duration.ofSeconds(2));
    assertThat(watcher.pass()).isEqualTo(1);

    assertThat(server.puts).extracting(FakeJobService.Put::text).containsExactly("{\"loss\": 1}", "{\"loss\": 0.25}");
  }

  @Test
  void aFileDeletedAndWrittenAgainIsUploadedAgain() throws Exception {
    Path f = dir.resolve("out.txt");
    Files.writeString(f, "v1");
    assertThat(watcher.finalPass()).isEqualTo(1);
    Files.delete(f);
    watcher.pass();
    Files.writeString(f, "v1");
    watcher.pass();
    clock.advance(Duration.ofSeconds(2));
    assertThat(watcher.pass()).isEqualTo(1);
    assertThat(server.putPaths()).containsExactly("out.txt", "out.txt");
  }

  @Test
  void linksOutOfTheDirectoryAreNeverFollowed() throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("secret"), "do not ship");
    Files.createSymbolicLink(dir.resolve("secret-link"), outside.resolve("secret"));
    Files.createSymbolicLink(dir.resolve("dir-link"), outside);
    Files.writeString(dir.resolve("ok.txt"), "fine");
    watcher.pass();
    clock.advance(Duration.ofSeconds(2));
    watcher.pass();
    watcher.finalPass();
    assertThat(server.putPaths()).containsExactly("ok.txt");
  }

  @Test
  void theFinalPassUploadsWhatWasWrittenJustBefore() throws Exception {
    Files.writeString(dir.resolve("early.txt"), "early");
    watcher.pass();
    clock.advance(Duration.ofSeconds(2));
    watcher.pass();
    Files.writeString(dir.resolve("last-words.txt"), "written as the job ended");
    assertThat(watcher.finalPass()).as("only what is not uploaded yet").isEqualTo(1);
    assertThat(server.putPaths()).containsExactly("early.txt", "last-words.txt");
    assertThat(server.puts.get(1).text()).isEqualTo("written as the job ended");
  }

  @Test
  void serverErrorsAreRetried() throws Exception {
    server.failNext.set(2);
    Files.writeString(dir.resolve("a.bin"), "bytes");
    assertThat(watcher.finalPass()).isEqualTo(1);
    assertThat(server.putPaths()).containsExactly("a.bin");
    assertThat(server.presigns).hasSize(1);
  }

  @Test
  void aFileTheServerCannotTakeYetIsTriedAgainOnALaterPass() throws Exception {
    server.failNext.set(4); // exactly one upload's attempts
    Files.writeString(dir.resolve("a.bin"), "bytes");
    assertThat(watcher.finalPass()).isZero();
    assertThat(watcher.finalPass()).isEqualTo(1);
    assertThat(server.putPaths()).containsExactly("a.bin");
  }

  @Test
  void largeFilesAreStreamed() throws Exception {
    byte[] big = new byte[3 * 1024 * 1024 + 17];
    new java.util.Random(7).nextBytes(big);
    Files.write(dir.resolve("big.bin"), big);
    watcher.finalPass();
    assertThat(server.puts.getFirst().bytes()).isEqualTo(big);
  }

  @Test
  void durationsReadLikeTheDocsWriteThem() {
    var c = new UploadCommand.DurationConverter();
    assertThat(c.convert("2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(c.convert("1m")).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.convert("PT3S")).isEqualTo(Duration.ofSeconds(3));
  }

  static final class MutableClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
