package dev.incline.jobs.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

class ChartLineParserTest {

  private final ChartLineParser parser = new ChartLineParser(JsonMapper.builder().build());

  @Test
  void parsesAPointWithAndWithoutX() {
    assertThat(parser.parse("{\"chart\": \"loss\", \"x\": 3, \"y\": 0.25}"))
        .contains(new ChartLineParser.ChartPoint("loss", 3.0, 0.25));
    assertThat(parser.parse("  {\"y\": -1e-3, \"chart\": \"val/acc\"}  "))
        .contains(new ChartLineParser.ChartPoint("val/acc", null, -0.001));
    assertThat(parser.parse("{\"chart\": \"loss\", \"x\": null, \"y\": 7, \"epoch\": 2}"))
        .contains(new ChartLineParser.ChartPoint("loss", null, 7.0));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "plain text",
      "{\"chart\": \"loss\"}",
      "{\"chart\": \"loss\", \"y\": \"0.5\"}",
      "{\"chart\": \"loss\", \"y\": NaN}",
      "{\"chart\": \"loss\", \"y\": Infinity}",
      "{\"chart\": \"loss\", \"y\": 1e999}",
      "{\"chart\": \"loss\", \"y\": true}",
      "{\"chart\": \"loss\", \"y\": null}",
      "{\"chart\": \"loss\", \"y\": 1, \"x\": \"step\"}",
      "{\"chart\": 5, \"y\": 1}",
      "{\"chart\": \"\", \"y\": 1}",
      "{\"chart\": \"   \", \"y\": 1}",
      "{\"chart\": \"loss\", \"y\": 1",
      "{\"chart\": \"loss\", \"y\": 1} trailing",
      "prefix {\"chart\": \"loss\", \"y\": 1}",
      "[{\"chart\": \"loss\", \"y\": 1}]",
      "{\"chart\": \"loss\", \"y\": [1]}",
      "{\"nested\": {\"chart\": \"loss\", \"y\": 1}}"
  })
  void anythingElseIsAPlainLogLine(String line) {
    assertThat(parser.parse(line)).isEmpty();
  }

  @Test
  void rejectsOverlongChartNames() {
    String name = "c".repeat(ChartLineParser.MAX_CHART_NAME + 1);
    assertThat(parser.parse("{\"chart\": \"" + name + "\", \"y\": 1}")).isEmpty();
    assertThat(parser.parse("{\"chart\": \"" + name.substring(1) + "\", \"y\": 1}")).isPresent();
  }
}
