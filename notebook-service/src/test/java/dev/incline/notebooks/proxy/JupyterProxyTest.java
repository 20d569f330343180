package dev.incline.notebooks.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JupyterProxyTest {

  private static String without(String page, String token) {
    return new String(JupyterProxy.without(page.getBytes(StandardCharsets.ISO_8859_1), token.getBytes(StandardCharsets.US_ASCII)),
        StandardCharsets.ISO_8859_1);
  }

  @Test
  void removesEveryOccurrenceOfTheTokenAndNothingElse() {
    assertThat(without("data-jupyter-api-token=\"abc123\" href=\"/tree?token=abc123\"", "abc123"))
        .isEqualTo("data-jupyter-api-token=\"\" href=\"/tree?token=\"");
    assertThat(without("abc12 abc1abc123abc123", "abc123")).isEqualTo("abc12 abc1");
    assertThat(without("ab", "abc123")).isEqualTo("ab");
    assertThat(without("caf\u00e9 \u00ff", "abc123")).isEqualTo("caf\u00e9 \u00ff");
  }

  @Test
  void neverForwardsCredentialsOrCookiesEitherWay() {
    assertThat(JupyterProxy.REQUEST_SKIPPED).contains("authorization", "x-api-key", "x-incline-token", "cookie", "origin");
    assertThat(JupyterProxy.RESPONSE_SKIPPED).contains("set-cookie");
  }
}
