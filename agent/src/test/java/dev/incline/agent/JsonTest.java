package dev.incline.agent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void quotesAndReadsBack() {
    String odd = "dir/\"quoted\" \\ tab\t line\n \u0001 é";
    String json = "{\"path\":" + Json.quote(odd) + ",\"size\":3}";
    assertThat(Json.stringField(json, "path")).isEqualTo(odd);
    assertThat(Json.stringField(json, "missing")).isNull();
  }

  @Test
  void readsEscapedUrlsAsJobServiceWritesThem() {
    String answer = "{ \"url\" : \"http:\\/\\/s3:9000\\/b\\/k?X-Amz-Signature=a%2Fb&x=1\", \"method\": \"PUT\", \"key\": \"teams/t/k\" }";
    assertThat(Json.stringField(answer, "url")).isEqualTo("http://s3:9000/b/k?X-Amz-Signature=a%2Fb&x=1");
    assertThat(Json.stringField(answer, "method")).isEqualTo("PUT");
  }
}
