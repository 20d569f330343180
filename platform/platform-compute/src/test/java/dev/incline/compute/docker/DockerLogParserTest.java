package dev.incline.compute.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.model.StreamType;
import dev.incline.compute.LogLine;
import dev.incline.compute.logs.StampedPosition;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Frames to lines, without an engine: what the engine sends with {@code timestamps=true}. */
class DockerLogParserTest {

  private static final String T1 = "2026-11-21T09:13:31.620407080Z";
  private static final String T2 = "2026-11-21T09:13:31.724175101Z";
  private static final String T3 = "2026-11-21T09:13:32.000000001Z";

  private final List<LogLine> lines = new ArrayList<>();

  private static byte[] frame(String stamp, String text) {
    return (stamp + " " + text).getBytes(StandardCharsets.UTF_8);
  }

  private void feed(DockerLogParser parser, StreamType type, String stamp, String text) {
    parser.accept(type, frame(stamp, text), lines::add);
  }

  @Test
  void makesLinesOfFramesPerStreamWithTheEnginesTimestamps() {
    DockerLogParser parser = new DockerLogParser(null);
    feed(parser, StreamType.STDOUT, T1, "hello\n");
    feed(parser, StreamType.STDERR, T2, "oops\r\n");
    assertThat(lines).extracting(LogLine::stream, LogLine::text, LogLine::time).containsExactly(
        org.assertj.core.groups.Tuple.tuple(LogLine.Stream.STDOUT, "hello", Instant.parse(T1)),
        org.assertj.core.groups.Tuple.tuple(LogLine.Stream.STDERR, "oops", Instant.parse(T2)));
    assertThat(lines.getFirst().position()).isEqualTo(T1 + "#0");
  }

  @Test
  void reassemblesALineCutIntoSeveralMessagesUnderItsFirstTimestamp() {
    DockerLogParser parser = new DockerLogParser(null);
    feed(parser, StreamType.STDOUT, T1, "a long ");
    feed(parser, StreamType.STDERR, T2, "interleaved\n");
    feed(parser, StreamType.STDOUT, T3, "line\n");
    assertThat(lines).extracting(LogLine::text).containsExactly("interleaved", "a long line");
    assertThat(lines.get(1).time()).isEqualTo(Instant.parse(T1));
  }

  @Test
  void splitsAFrameThatHoldsSeveralLinesAndCountsEqualTimestamps() {
    DockerLogParser parser = new DockerLogParser(null);
    feed(parser, StreamType.STDOUT, T1, "one\ntwo\n\nfour\n");
    assertThat(lines).extracting(LogLine::text).containsExactly("one", "two", "", "four");
    assertThat(lines).extracting(LogLine::position).containsExactly(T1 + "#0", T1 + "#1", T1 + "#2", T1 + "#3");
  }

  @Test
  void keepsAPartialLineUntilTheEnd() {
    DockerLogParser parser = new DockerLogParser(null);
    feed(parser, StreamType.STDOUT, T1, "done\nno newline");
    feed(parser, StreamType.STDERR, T2, "err without one");
    assertThat(lines).extracting(LogLine::text).containsExactly("done");
    parser.finish(lines::add);
    assertThat(lines).extracting(LogLine::text).containsExactly("done", "no newline", "err without one");
  }

  @Test
  void skipsLinesAtOrBeforeTheResumePosition() {
    DockerLogParser first = new DockerLogParser(null);
    feed(first, StreamType.STDOUT, T1, "a\nb\nc\n");
    feed(first, StreamType.STDOUT, T2, "d\n");
    String afterB = lines.get(1).position();
    lines.clear();

    // The engine is asked for everything since the second of T1, so all of it comes again.
    StampedPosition position = StampedPosition.parse(afterB);
    assertThat(position.sinceSeconds()).isEqualTo(Instant.parse(T1).getEpochSecond());
    DockerLogParser resumed = new DockerLogParser(position);
    feed(resumed, StreamType.STDOUT, T1, "a\nb\nc\n");
    feed(resumed, StreamType.STDOUT, T2, "d\n");
    assertThat(lines).extracting(LogLine::text).containsExactly("c", "d");
    assertThat(resumed.lastEmitted().wire()).isEqualTo(T2 + "#0");
  }

  @Test
  void cutsEndlessLines() {
    DockerLogParser parser = new DockerLogParser(null);
    byte[] big = new byte[DockerLogParser.MAX_LINE_BYTES + 10];
    java.util.Arrays.fill(big, (byte) 'x');
    parser.accept(StreamType.STDOUT, frame(T1, new String(big, StandardCharsets.US_ASCII) + "\n"), lines::add);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0).text()).hasSize(DockerLogParser.MAX_LINE_BYTES);
    assertThat(lines.get(1).text()).hasSize(10);
  }

  @Test
  void keepsTheLastTimestampForFramesWithoutOne() {
    DockerLogParser parser = new DockerLogParser(null);
    feed(parser, StreamType.STDOUT, T1, "stamped\n");
    parser.accept(StreamType.RAW, "raw text\n".getBytes(StandardCharsets.UTF_8), lines::add);
    assertThat(lines).extracting(LogLine::text).containsExactly("stamped", "raw text");
    assertThat(lines.get(1).position()).isEqualTo(T1 + "#1");
  }

  @Test
  void rejectsPositionsOfOtherRuntimes() {
    assertThat(StampedPosition.parse(null)).isNull();
    assertThatThrownBy(() -> StampedPosition.parse("120:40")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StampedPosition.parse(T1 + "#x")).isInstanceOf(IllegalArgumentException.class);
  }
}
