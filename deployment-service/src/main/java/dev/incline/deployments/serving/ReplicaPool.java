package dev.incline.deployments.serving;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.springframework.stereotype.Component;

/**
 * The routing table: each deployment's ready replicas, and how busy each is. Requests go to the
 * replica with the fewest requests in flight. The reconciler adds a replica once it answers its health
 * check and removes it before draining it, so a replica that is stopping never gets a new request.
 * What the autoscaler reads (time spent serving) is counted here, at the one place every request passes.
 */
@Component
public class ReplicaPool {

  /** One replica in the table. */
  public static final class Target {
    private final UUID replicaId;
    private final URI endpoint;
    private final AtomicInteger inFlight = new AtomicInteger();

    Target(UUID replicaId, URI endpoint) {
      this.replicaId = replicaId;
      this.endpoint = endpoint;
    }

    public UUID replicaId() {
      return replicaId;
    }

    public URI endpoint() {
      return endpoint;
    }

    public int inFlight() {
      return inFlight.get();
    }
  }

  /** A deployment's replicas and load. */
  static final class Routes {
    final String teamId;
    final List<Target> targets = new CopyOnWriteArrayList<>();
    /** nanoseconds spent serving by requests that ended, since the autoscaler last read it */
    final LongAdder busyNanos = new LongAdder();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicLong next = new AtomicLong();

    Routes(String teamId) {
      this.teamId = teamId;
    }
  }

  private final Map<UUID, Routes> routes = new ConcurrentHashMap<>();
  /** replica → in-flight count, kept after the replica leaves the table so that draining can wait for it */
  private final Map<UUID, Target> known = new ConcurrentHashMap<>();

  public void add(String teamId, UUID deploymentId, UUID replicaId, URI endpoint) {
    Routes r = routes.computeIfAbsent(deploymentId, id -> new Routes(teamId));
    Target existing = known.get(replicaId);
    if (existing != null && existing.endpoint.equals(endpoint)) {
      if (!r.targets.contains(existing)) {
        r.targets.add(existing);
      }
      return;
    }
    Target t = new Target(replicaId, endpoint);
    known.put(replicaId, t);
    if (existing != null) {
      r.targets.remove(existing);
    }
    r.targets.add(t);
  }

  /** Takes a replica out of routing; requests already sent to it finish. */
  public void remove(UUID deploymentId, UUID replicaId) {
    Routes r = routes.get(deploymentId);
    if (r != null) {
      r.targets.removeIf(t -> t.replicaId.equals(replicaId));
    }
  }

  /** Forgets a replica that is gone. */
  public void forget(UUID deploymentId, UUID replicaId) {
    remove(deploymentId, replicaId);
    known.remove(replicaId);
  }

  public void forgetDeployment(UUID deploymentId) {
    Routes r = routes.remove(deploymentId);
    if (r != null) {
      r.targets.forEach(t -> known.remove(t.replicaId));
    }
  }

  public boolean routed(UUID deploymentId, UUID replicaId) {
    Routes r = routes.get(deploymentId);
    return r != null && r.targets.stream().anyMatch(t -> t.replicaId.equals(replicaId));
  }

  /** Requests a replica is serving now (0 for one this pool never routed to). */
  public int inFlight(UUID replicaId) {
    Target t = known.get(replicaId);
    return t == null ? 0 : t.inFlight.get();
  }

  /** The team that owns a routed deployment, when the table has it (no database read on the hot path). */
  public Optional<String> team(UUID deploymentId) {
    Routes r = routes.get(deploymentId);
    return r == null ? Optional.empty() : Optional.of(r.teamId);
  }

  /**
   * The least busy replica, skipping {@code exclude} (one that just refused a connection); ties go
   * round-robin so that idle replicas share the load.
   */
  public Optional<Target> pick(UUID deploymentId, UUID exclude) {
    Routes r = routes.get(deploymentId);
    if (r == null) {
      return Optional.empty();
    }
    List<Target> ts = r.targets;
    int n = ts.size();
    if (n == 0) {
      return Optional.empty();
    }
    int start = (int) Math.floorMod(r.next.getAndIncrement(), (long) n);
    Target best = null;
    for (int i = 0; i < n; i++) {
      Target t;
      try {
        t = ts.get((start + i) % n);
      } catch (IndexOutOfBoundsException e) {
        break; // the table shrank while we looked
      }
      if (t.replicaId.equals(exclude)) {
        continue;
      }
      if (best == null || t.inFlight.get() < best.inFlight.get()) {
        best = t;
      }
    }
    return Optional.ofNullable(best);
  }

  /** Marks a request as started on a replica; the returned handle ends it. */
  public Lease begin(UUID deploymentId, Target t) {
    Routes r = routes.get(deploymentId);
    t.inFlight.incrementAndGet();
    if (r != null) {
      r.inFlight.incrementAndGet();
    }
    return new Lease(r, t, System.nanoTime());
  }

  public static final class Lease implements AutoCloseable {
    private final Routes routes;
    private final Target target;
    private final long started;
    private boolean closed;

    Lease(Routes routes, Target target, long started) {
      this.routes = routes;
      this.target = target;
      this.started = started;
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      target.inFlight.decrementAndGet();
      if (routes != null) {
        routes.inFlight.decrementAndGet();
        routes.busyNanos.add(System.nanoTime() - started);
      }
    }
  }

  /**
   * The deployment's average concurrency since the last call ({@code elapsedNanos} ago): time spent
   * serving by requests that ended, plus the requests in flight now, over the elapsed time.
   */
  public double concurrencySince(UUID deploymentId, long elapsedNanos) {
    Routes r = routes.get(deploymentId);
    if (r == null || elapsedNanos <= 0) {
      return 0;
    }
    double ended = r.busyNanos.sumThenReset() / (double) elapsedNanos;
    return Math.max(ended, r.inFlight.get());
  }
}
