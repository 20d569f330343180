package dev.incline.jobs.stream;

import dev.incline.jobs.config.JobsProperties;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter.DataWithMediaType;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Serves a stream as server-sent events: history after the client's {@code Last-Event-ID} first,
 * then live items from the {@link EventBus}, heartbeats while idle, and an {@code end} event when
 * the source is finished. Live items are sent as they arrive; a gap in sequence numbers, a full
 * queue or a quiet poll interval makes the stream read storage instead, so nothing is lost when
 * another replica writes or the client is slow. Events are written in batches, one flush per batch.
 */
@Component
public class SseStreamer {

  private static final int PAGE = 5000;
  private static final int QUEUE_LIMIT = 10_000;

  private final EventBus bus;
  private final JobsProperties.Streams settings;
  private final JsonMapper json;

  public SseStreamer(EventBus bus, JobsProperties properties, JsonMapper json) {
    this.bus = bus;
    this.settings = properties.streams();
    this.json = json;
  }

  /** Where a stream's items come from. */
  public interface Source<T extends Sequenced> {
    /** Stored items after {@code seq}, in order, at most {@code limit}. */
    List<T> after(long seq, int limit);

    /** True when no item will be added any more (the stream then ends). By default, never. */
    default boolean finished() {
      return false;
    }

    /** True when sequence numbers have no holes, so a hole means a missed live message. */
    default boolean dense() {
      return true;
    }

    /** A dense source that ends when {@code finished} says so. */
    static <T extends Sequenced> Source<T> of(java.util.function.BiFunction<Long, Integer, List<T>> after,
        java.util.function.BooleanSupplier finished) {
      return new Source<>() {
        @Override
        public List<T> after(long seq, int limit) {
          return after.apply(seq, limit);
        }

        @Override
        public boolean finished() {
          return finished.getAsBoolean();
        }
      };
    }
  }

  public <T extends Sequenced> SseEmitter stream(String topic, long after, Source<T> source, String eventName,
      Function<T, Object> data) {
    SseEmitter emitter = new SseEmitter(settings.timeout().toMillis());
    BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    var state = new Object() {
      volatile boolean closed;
      volatile boolean overflow;
    };
    AutoCloseable subscription = bus.subscribe(topic, message -> {
      if (queue.size() >= QUEUE_LIMIT) {
        state.overflow = true;
      } else {
        queue.add(message);
      }
    });
    Runnable close = () -> {
      state.closed = true;
      try {
        subscription.close();
      } catch (Exception ignored) {
        // unsubscribing cannot fail
      }
    };
    emitter.onCompletion(close);
    emitter.onTimeout(close);
    emitter.onError(e -> close.run());

    Thread.ofVirtual().name("sse-" + topic).start(() -> {
      long last = after;
      long lastWrite = System.nanoTime();
      try {
        emitter.send(SseEmitter.event().comment("stream"));
        last = catchUp(emitter, source, last, eventName, data);
        boolean ended = source.finished();
        while (!state.closed && !ended) {
          Object message = queue.poll(settings.poll().toMillis(), TimeUnit.MILLISECONDS);
          if (state.overflow) {
            state.overflow = false;
            queue.clear();
            last = catchUp(emitter, source, last, eventName, data);
            continue;
          }
          if (message == null) {
            // Quiet: read what another replica may have stored, and notice an end we did not hear of.
            long before = last;
            boolean finished = source.finished();
            last = catchUp(emitter, source, last, eventName, data);
            ended = finished;
            if (last != before) {
              lastWrite = System.nanoTime();
            } else if (System.nanoTime() - lastWrite > settings.heartbeat().toNanos()) {
              emitter.send(SseEmitter.event().comment("heartbeat"));
              lastWrite = System.nanoTime();
            }
            continue;
          }
          if (message == EventBus.END) {
            ended = source.finished();
            last = catchUp(emitter, source, last, eventName, data);
            continue;
          }
          @SuppressWarnings("unchecked")
          List<T> items = (List<T>) message;
          if (items.isEmpty()) {
            continue;
          }
          if (source.dense() && items.getFirst().seq() > last + 1) {
            last = catchUp(emitter, source, last, eventName, data);
          }
          last = send(emitter, items, last, eventName, data);
          lastWrite = System.nanoTime();
        }
        if (ended && !state.closed) {
          emitter.send(SseEmitter.event().name("end").id(Long.toString(last)).data("{}", MediaType.APPLICATION_JSON));
          emitter.complete();
        }
      } catch (IOException | IllegalStateException e) {
        // The client went away; the emitter's callbacks unsubscribe.
        emitter.completeWithError(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        emitter.complete();
      } catch (RuntimeException e) {
        emitter.completeWithError(e);
      } finally {
        close.run();
      }
    });
    return emitter;
  }

  private <T extends Sequenced> long catchUp(SseEmitter emitter, Source<T> source, long last, String eventName,
      Function<T, Object> data) throws IOException {
    while (true) {
      List<T> page = source.after(last, PAGE);
      last = send(emitter, page, last, eventName, data);
      if (page.size() < PAGE) {
        return last;
      }
    }
  }

  /**
   * Writes a batch as one chunk of SSE text: per-event builders cost three trips through the
   * message converters each, most of the CPU at 100k points/s (docs/performance.md, section 1).
   * JSON never contains a raw newline, so each event's data fits on its one line.
   */
  private <T extends Sequenced> long send(SseEmitter emitter, List<T> items, long last, String eventName,
      Function<T, Object> data) throws IOException {
    StringBuilder text = new StringBuilder(items.size() * 96);
    for (T item : items) {
      if (item.seq() <= last) {
        continue;
      }
      text.append("id:").append(item.seq()).append("\nevent:").append(eventName).append("\ndata:")
          .append(json.writeValueAsString(data.apply(item))).append("\n\n");
      last = item.seq();
    }
    if (!text.isEmpty()) {
      emitter.send(Set.of(new DataWithMediaType(text.toString(), MediaType.TEXT_PLAIN)));
    }
    return last;
  }

  /** Parses {@code Last-Event-ID} (or an {@code after} parameter); anything unparsable starts from the beginning. */
  public static long resumeAfter(String lastEventId, Long afterParam) {
    if (lastEventId != null && !lastEventId.isBlank()) {
      try {
        return Long.parseLong(lastEventId.trim());
      } catch (NumberFormatException e) {
        return 0;
      }
    }
    return afterParam == null ? 0 : afterParam;
  }
}
