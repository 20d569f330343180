package dev.incline.jobs.metrics;

import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Recognizes chart lines: a stdout line that is exactly a JSON object with a string {@code chart},
 * a finite number {@code y} and optionally a finite number {@code x}. Anything else, including
 * malformed JSON, NaN and numbers in strings, is an ordinary log line: a training script's output
 * never fails its job.
 */
public final class ChartLineParser {

  public static final int MAX_CHART_NAME = 128;

  /** A parsed point; {@code x} is null when the line had none. */
  public record ChartPoint(String chart, Double x, double y) {}

  private final JsonMapper json;

  public ChartLineParser(JsonMapper json) {
    this.json = json;
  }

  public Optional<ChartPoint> parse(String line) {
    // Cheap checks first: most lines of a log are not JSON at all.
    int start = 0;
    int end = line.length();
    while (start < end && Character.isWhitespace(line.charAt(start))) {
      start++;
    }
    while (end > start && Character.isWhitespace(line.charAt(end - 1))) {
      end--;
    }
    if (end - start < 10 || line.charAt(start) != '{' || line.charAt(end - 1) != '}' || !line.contains("\"chart\"")) {
      return Optional.empty();
    }
    JsonNode node;
    try {
      node = json.readTree(line);
    } catch (JacksonException e) {
      return Optional.empty();
    }
    if (node == null || !node.isObject()) {
      return Optional.empty();
    }
    JsonNode chart = node.get("chart");
    JsonNode y = node.get("y");
    JsonNode x = node.get("x");
    if (chart == null || !chart.isString() || chart.asString().isBlank() || chart.asString().length() > MAX_CHART_NAME) {
      return Optional.empty();
    }
    if (y == null || !y.isNumber() || !Double.isFinite(y.doubleValue())) {
      return Optional.empty();
    }
    Double xValue = null;
    if (x != null && !x.isNull()) {
      if (!x.isNumber() || !Double.isFinite(x.doubleValue())) {
        return Optional.empty();
      }
      xValue = x.doubleValue();
    }
    return Optional.of(new ChartPoint(chart.asString(), xValue, y.doubleValue()));
  }
}
