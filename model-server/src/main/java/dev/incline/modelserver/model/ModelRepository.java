package dev.incline.modelserver.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.incline.modelserver.config.ModelServerProperties;
import dev.incline.modelserver.error.InferenceException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The models this server serves, fixed at start. Each loads on its own thread while the server already
 * answers liveness probes: a large model can take long enough to load that a probe would otherwise
 * restart the pod. Sessions close only when the context is destroyed, after graceful shutdown has let
 * the last request finish.
 */
@Component
public class ModelRepository implements SmartLifecycle, DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(ModelRepository.class);

  private final OrtEnvironment env;
  private final OrtSession.SessionOptions options;
  private final Map<String, ServedModel> models = new LinkedHashMap<>();
  private final List<Thread> loaders = new ArrayList<>();
  private volatile boolean running;

  public ModelRepository(ModelServerProperties properties, OrtEnvironment env) throws OrtException {
    this.env = env;
    for (ModelSource source : ModelSource.resolve(properties)) {
      models.put(source.name(), new ServedModel(source));
    }
    this.options = sessionOptions(properties);
  }

  /** The options every model's session is created with (a new object: the caller closes it). */
  public static OrtSession.SessionOptions sessionOptions(ModelServerProperties properties) throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    if (properties.intraOpThreads() > 0) {
      options.setIntraOpNumThreads(properties.intraOpThreads());
    }
    for (Map.Entry<String, String> entry : properties.sessionConfig().entrySet()) {
      options.addConfigEntry(entry.getKey(), entry.getValue());
    }
    return options;
  }

  @Override
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    for (ServedModel model : models.values()) {
      if (model.state() == ServedModel.State.LOADING) {
        // A platform thread: creating a session is one long native call, which would pin a virtual
        // thread's carrier for its whole length.
        loaders.add(Thread.ofPlatform().name("load-" + model.name()).daemon().start(() -> model.load(env, options)));
      }
    }
  }

  @Override
  public void stop() {
    running = false;
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public synchronized void destroy() throws InterruptedException {
    for (Thread loader : loaders) {
      // A model still loading after this closes its session itself when it is done (ServedModel#load).
      loader.join(Duration.ofSeconds(10));
    }
    models.values().forEach(ServedModel::close);
    options.close();
    log.info("closed {} model session(s)", models.size());
  }

  /** The model of that name; null when this server has none. */
  public ServedModel find(String name) {
    return models.get(name);
  }

  /**
   * The model of that name (404 if this server has none), at that version when one is given (404
   * when it is another).
   */
  public ServedModel require(String name, String version) {
    ServedModel model = models.get(name);
    if (model == null) {
      throw InferenceException.notFound("model '" + name + "' is not served here");
    }
    if (version != null && !Objects.equals(version, model.version())) {
      throw InferenceException.notFound("model '" + name + "' has no version '" + version + "'; version '"
          + model.version() + "' is served");
    }
    return model;
  }

  public Collection<ServedModel> all() {
    return models.values();
  }

  public boolean allReady() {
    for (ServedModel model : models.values()) {
      if (!model.ready()) {
        return false;
      }
    }
    return true;
  }
}
