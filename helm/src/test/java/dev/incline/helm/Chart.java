package dev.incline.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.UnaryOperator;
import org.yaml.snakeyaml.Yaml;

/** helm/incline rendered by helm-java as release {@code incline} in namespace {@code incline}, parsed by fabric8. */
final class Chart {

  static final Path DIR = Path.of("incline").toAbsolutePath();
  static final String RELEASE = "incline";
  static final String NAMESPACE = "incline";

  final String yaml;
  final List<HasMetadata> objects;

  private Chart(String yaml) {
    this.yaml = yaml;
    this.objects = parse(yaml);
  }

  static Chart render(String... valuesFiles) {
    return render(t -> t, valuesFiles);
  }

  static Chart render(UnaryOperator<TemplateCommand> options, String... valuesFiles) {
    FakeApiServer.ensureStarted();
    TemplateCommand template = new Helm(DIR).template().withName(RELEASE).withNamespace(NAMESPACE)
        .withKubeVersion("1.31.0");
    for (String file : valuesFiles) {
      template = template.withValuesFile(DIR.resolve(file));
    }
    return new Chart(options.apply(template).call());
  }

  private static List<HasMetadata> parse(String yaml) {
    List<HasMetadata> out = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      boolean empty = doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"));
      if (!empty) {
        out.add(Serialization.unmarshal(doc, HasMetadata.class));
      }
    }
    return out;
  }

  static LintResult lint() {
    FakeApiServer.ensureStarted();
    return new Helm(DIR).lint().strict().call();
  }

  <T extends HasMetadata> T get(Class<T> kind, String name) {
    return objects.stream().filter(kind::isInstance).map(kind::cast)
        .filter(o -> o.getMetadata().getName().equals(name)).findFirst()
        .orElseThrow(() -> new NoSuchElementException(kind.getSimpleName() + " " + name + " not rendered"));
  }

  <T extends HasMetadata> List<T> all(Class<T> kind) {
    return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
  }

  /** The Spring configuration file {@code <service>.yaml} of a service's ConfigMap, parsed. */
  Map<String, Object> config(String service) {
    ConfigMap map = get(ConfigMap.class, RELEASE + "-" + service);
    String file = map.getData().get(service + ".yaml");
    if (file == null) {
      throw new NoSuchElementException("ConfigMap " + map.getMetadata().getName() + " has no " + service + ".yaml");
    }
    return new Yaml().load(file);
  }

  /** A value of a parsed configuration by its dotted path; list elements by index. */
  @SuppressWarnings("unchecked")
  static <T> T at(Object tree, String path) {
    Object node = tree;
    for (String key : path.split("\\.")) {
      if (node instanceof List<?> list) {
        node = list.get(Integer.parseInt(key));
      } else if (node instanceof Map<?, ?> map) {
        if (!map.containsKey(key)) {
          throw new NoSuchElementException(path + ": no " + key + " in " + map.keySet());
        }
        node = map.get(key);
      } else {
        throw new NoSuchElementException(path + ": " + key + " under a scalar");
      }
    }
    return (T) node;
  }
}
