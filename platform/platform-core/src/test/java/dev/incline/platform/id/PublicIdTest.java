package dev.incline.platform.id;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class PublicIdTest {

  @Test
  void roundTripsAnyUuid() {
    for (int i = 0; i < 10_000; i++) {
      UUID id = i % 2 == 0 ? UUID.randomUUID() : PublicId.newUuid();
      String encoded = PublicId.encode("job", id);
      assertThat(encoded).hasSize(30).startsWith("job_").matches("job_[0-7][0-9a-hjkmnp-tv-z]{25}");
      assertThat(PublicId.decode("job", encoded)).contains(id);
    }
    UUID max = new UUID(-1L, -1L);
    assertThat(PublicId.decode("job", PublicId.encode("job", max))).contains(max);
    UUID zero = new UUID(0, 0);
    assertThat(PublicId.encode("job", zero)).isEqualTo("job_" + "0".repeat(26));
  }

  @Test
  void decodingIsCaseInsensitive() {
    UUID id = PublicId.newUuid();
    assertThat(PublicId.decode("job", PublicId.encode("job", id).toUpperCase())).contains(id);
  }

  @Test
  void rejectsWrongPrefixLengthAlphabetAndOverflow() {
    String ok = PublicId.newId("job");
    assertThat(PublicId.decode("prj", ok)).isEmpty();
    assertThat(PublicId.decode("job", ok + "0")).isEmpty();
    assertThat(PublicId.decode("job", ok.substring(0, 29))).isEmpty();
    assertThat(PublicId.decode("job", "job_" + "u".repeat(26))).isEmpty(); // u is not in the alphabet
    assertThat(PublicId.decode("job", "job_8" + "0".repeat(25))).isEmpty(); // more than 128 bits
    assertThat(PublicId.decode("job", "job_é" + "0".repeat(25))).isEmpty();
    assertThat(PublicId.decode("job", null)).isEmpty();
  }

  @Test
  void newIdsAreVersion7AndSortByCreationTime() throws InterruptedException {
    UUID first = PublicId.newUuid();
    Thread.sleep(2);
    UUID second = PublicId.newUuid();
    assertThat(first.version()).isEqualTo(7);
    assertThat(first.variant()).isEqualTo(2);
    assertThat(PublicId.encode("job", first)).isLessThan(PublicId.encode("job", second));
  }
}
