package dev.incline.compute.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * YAML snapshots of generated manifests under {@code src/test/resources/.../kubernetes/snapshots/}.
 * A change to a manifest shows up as a diff in review. After an intended change, regenerate them:
 * {@code ./mvnw -pl platform/platform-compute test -Dtest='KubernetesManifestsTest,ServingManifestsTest' -Dsnapshots.update=true}.
 */
public final class Snapshots {

  static final Path DIR = Path.of("src/test/resources/dev/incline/compute/kubernetes/snapshots");
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private Snapshots() {}

  public static String yaml(Object manifest) {
    return SERIALIZATION.asYaml(manifest);
  }

  public static void assertMatches(String name, Object manifest) {
    String actual = yaml(manifest);
    Path file = DIR.resolve(name + ".yaml");
    try {
      if (Boolean.getBoolean("snapshots.update")) {
        Files.createDirectories(DIR);
        Files.writeString(file, actual, StandardCharsets.UTF_8);
        return;
      }
      assertThat(file).as("snapshot %s (create it with -Dsnapshots.update=true)", file).exists();
      assertThat(actual).as("manifest %s differs from its snapshot; if intended, rerun with -Dsnapshots.update=true",
          name).isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
