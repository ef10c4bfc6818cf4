package dev.jitguard.spi;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.GrantStatus;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.RequestStatus;
import dev.jitguard.Subject;
import dev.jitguard.rule.PrivilegePattern;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The in-memory store's secondary indexes hold live records only: a record leaves them when it ends, and what is left
 * (the grants of a request) goes when the record is evicted, so ended records cost nothing on any listing and the
 * indexes do not grow with history.
 */
class InMemoryGrantStoreIndexTest {
  private static final int N = 1_000;
  private final AtomicLong nanos = new AtomicLong();
  private final Ticker ticker = nanos::get;
  private final InMemoryGrantStore store = new InMemoryGrantStore(ticker);
  private final Privilege privilege = Privilege.of("db.prod.write");
  private final Instant now = Instant.now();

  private RequestRecord.Builder request(String subject) {
    return RequestRecord.builder(RequestId.random(), ElevationRequest.builder(Subject.of(subject, "dev"), privilege)
        .justification("INC-1: repair").build()).createdAt(now).expiresAt(now.plus(Duration.ofHours(1)))
        .policyVersion("v1");
  }

  @Test
  void recordsWhenEndedAndEvictedThenLeaveEveryIndex() {
    List<RequestRecord> pending = new ArrayList<>();
    List<Grant> live = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      RequestRecord p = request("p" + i).build();
      store.insert(p);
      pending.add(p);
      RequestRecord.Builder approved = request("g" + i);
      RequestId id = approved.build().id();
      Grant g = Grant.builder(GrantId.random(), id).subjectId("g" + i).privilege(privilege)
          .status(GrantStatus.ACTIVE).issuedAt(now).validity(now, now.plusSeconds(600), now.plusSeconds(600))
          .policyVersion("v1").build();
      store.insert(approved.status(RequestStatus.APPROVED).grantId(g.id())
          .decision(now, "policy", ReasonCode.AUTO_APPROVED, null).build(), g);
      live.add(g);
    }
    assertThat(store.pendingRequests(Set.of(PrivilegePattern.of("db.*")), null, 2 * N)).hasSize(N);
    assertThat(store.liveGrants()).hasSize(N);
    assertThat(store.indexedEntries()).isPositive();

    for (RequestRecord p : pending) {
      assertThat(store.update(p, p.toBuilder().status(RequestStatus.WITHDRAWN).version(1)
          .decision(now, p.requesterId(), ReasonCode.WITHDRAWN, null).build())).isTrue();
    }
    for (Grant g : live) {
      assertThat(store.update(g, g.toBuilder().status(GrantStatus.REVOKED).version(1).build())).isTrue();
    }

    assertThat(store.pendingRequests(Set.of(PrivilegePattern.of("db.*")), null, 2 * N)).isEmpty();
    assertThat(store.pendingRequestsBy("p1")).isEmpty();
    assertThat(store.liveGrants()).isEmpty();
    assertThat(store.liveGrantsOf("g1")).isEmpty();
    assertThat(store.indexedEntries()).as("only the grants of each request are left").isEqualTo(N);
    assertThat(store.grantsFrom(live.get(0).requestId())).extracting(Grant::id).containsExactly(live.get(0).id());

    nanos.addAndGet(Duration.ofDays(2).toNanos());

    assertThat(store.indexedEntries()).as("after eviction").isZero();
    assertThat(store.grantsFrom(live.get(0).requestId())).isEmpty();
  }
}
