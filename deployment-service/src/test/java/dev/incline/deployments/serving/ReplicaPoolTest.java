package dev.incline.deployments.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ReplicaPoolTest {

  private final ReplicaPool pool = new ReplicaPool();
  private final UUID dep = UUID.randomUUID();
  private final UUID a = UUID.randomUUID();
  private final UUID b = UUID.randomUUID();

  @Test
  void picksTheLeastBusyAndSharesTiesRoundRobin() {
    pool.add("t", dep, a, URI.create("http://127.0.0.1:1"));
    pool.add("t", dep, b, URI.create("http://127.0.0.1:2"));
    Set<UUID> seen = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      seen.add(pool.pick(dep, null).orElseThrow().replicaId());
    }
    assertThat(seen).containsExactlyInAnyOrder(a, b);
    ReplicaPool.Lease busy = pool.begin(dep, pool.pick(dep, b).orElseThrow()); // a is busy now
    for (int i = 0; i < 4; i++) {
      assertThat(pool.pick(dep, null).orElseThrow().replicaId()).isEqualTo(b);
    }
    busy.close();
    assertThat(pool.inFlight(a)).isZero();
  }

  @Test
  void aRemovedReplicaGetsNoRequestButItsInFlightCountStays() {
    pool.add("t", dep, a, URI.create("http://127.0.0.1:1"));
    ReplicaPool.Lease lease = pool.begin(dep, pool.pick(dep, null).orElseThrow());
    pool.remove(dep, a);
    assertThat(pool.pick(dep, null)).isEmpty();
    assertThat(pool.inFlight(a)).isEqualTo(1); // draining waits for this
    lease.close();
    assertThat(pool.inFlight(a)).isZero();
  }

  @Test
  void excludesTheReplicaThatRefused() {
    pool.add("t", dep, a, URI.create("http://127.0.0.1:1"));
    assertThat(pool.pick(dep, a)).isEmpty();
  }

  @Test
  void knowsTheOwningTeamOfWhatItRoutes() {
    assertThat(pool.team(dep)).isEmpty();
    pool.add("team-a", dep, a, URI.create("http://127.0.0.1:1"));
    assertThat(pool.team(dep)).contains("team-a");
    pool.forgetDeployment(dep);
    assertThat(pool.team(dep)).isEmpty();
  }

  @Test
  void concurrencyCountsFinishedTimeAndWhatIsInFlight() throws Exception {
    pool.add("t", dep, a, URI.create("http://127.0.0.1:1"));
    ReplicaPool.Lease one = pool.begin(dep, pool.pick(dep, null).orElseThrow());
    ReplicaPool.Lease two = pool.begin(dep, pool.pick(dep, null).orElseThrow());
    assertThat(pool.concurrencySince(dep, 1_000_000_000L)).isEqualTo(2.0);
    Thread.sleep(20);
    one.close();
    two.close();
    double c = pool.concurrencySince(dep, 40_000_000L);
    assertThat(c).isGreaterThan(0.5).isLessThan(20);
    assertThat(pool.concurrencySince(dep, 1_000_000_000L)).isZero(); // read and reset
  }
}
