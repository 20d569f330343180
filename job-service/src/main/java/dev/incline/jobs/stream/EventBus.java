package dev.incline.jobs.stream;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * In-process fan-out of committed data to the streams of this replica. It carries only what is
 * already stored, so a subscriber that misses a message (another replica wrote it, or its queue
 * overflowed) catches up from storage; see {@link SseStreamer}.
 */
@Component
public class EventBus {

  private static final Logger log = LoggerFactory.getLogger(EventBus.class);

  /** Published on a topic after its last item: nothing more will come. */
  public static final Object END = new Object() {
    @Override
    public String toString() {
      return "END";
    }
  };

  private final Map<String, List<Consumer<Object>>> topics = new ConcurrentHashMap<>();

  public AutoCloseable subscribe(String topic, Consumer<Object> listener) {
    topics.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).add(listener);
    return () -> topics.computeIfPresent(topic, (t, listeners) -> {
      listeners.remove(listener);
      return listeners.isEmpty() ? null : listeners;
    });
  }

  public void publish(String topic, Object message) {
    List<Consumer<Object>> listeners = topics.get(topic);
    if (listeners == null) {
      return;
    }
    for (Consumer<Object> l : listeners) {
      try {
        l.accept(message);
      } catch (RuntimeException e) {
        log.warn("stream listener on {} failed", topic, e);
      }
    }
  }

  public int subscribers(String topic) {
    List<Consumer<Object>> listeners = topics.get(topic);
    return listeners == null ? 0 : listeners.size();
  }
}
