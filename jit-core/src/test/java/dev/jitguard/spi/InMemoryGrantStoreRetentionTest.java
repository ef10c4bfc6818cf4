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
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The in-memory store keeps what the guard still needs: an approved request as long as its grant may live (the guard
 * re-evaluates the holder, as recorded with the request, when the policy changes), and a break-glass use until it is
 * reviewed; other records in a final status go after the retention period.
 */
class InMemoryGrantStoreRetentionTest {
  private final AtomicLong nanos = new AtomicLong();
  private final Ticker ticker = nanos::get;
  private final InMemoryGrantStore store = new InMemoryGrantStore(ticker);
  private final Subject alice = Subject.of("alice", "developers");
  private final Privilege privilege = Privilege.of("db.prod.write");

  private void pass(Duration d) {
    nanos.addAndGet(d.toNanos());
  }

  private RequestRecord.Builder request(RequestId id) {
    Instant now = Instant.now();
    return RequestRecord.builder(id, ElevationRequest.builder(alice, privilege).justification("INC-1: repair").build())
        .createdAt(now).expiresAt(now.plus(Duration.ofHours(1))).policyVersion("v1");
  }

  private Grant grant(RequestId id, Duration cap) {
    Instant now = Instant.now();
    return Grant.builder(GrantId.random(), id).subjectId(alice.id()).privilege(privilege).status(GrantStatus.ACTIVE)
        .issuedAt(now).validity(now, now.plus(cap), now.plus(cap)).policyVersion("v1").build();
  }

  @Test
  void approvedRequestWhoseGrantMayStillLiveThenKeptPastTheRetentionPeriod() {
    RequestId id = RequestId.random();
    Grant g = grant(id, Duration.ofDays(3));
    store.insert(request(id).status(RequestStatus.APPROVED).grantId(g.id())
        .decision(Instant.now(), "bob", ReasonCode.APPROVED, "ok").build(), g);

    pass(Duration.ofHours(25));

    assertThat(store.findRequest(id)).as("the holder's request, two days before the grant's cap").isPresent();
    pass(Duration.ofDays(3));
    assertThat(store.findRequest(id)).as("after the cap and the retention period").isEmpty();
  }

  @Test
  void deniedRequestThenEvictedAfterTheRetentionPeriod() {
    RequestId id = RequestId.random();
    RequestRecord pending = request(id).build();
    store.insert(pending);
    store.update(pending, pending.toBuilder().status(RequestStatus.DENIED).version(1)
        .decision(Instant.now(), "bob", ReasonCode.DENIED_BY_APPROVER, "no").build());

    pass(Duration.ofHours(23));
    assertThat(store.findRequest(id)).isPresent();
    pass(Duration.ofHours(2));
    assertThat(store.findRequest(id)).isEmpty();
  }

  @Test
  void breakGlassUseNotReviewedThenKeptUntilReviewed() {
    RequestId id = RequestId.random();
    Grant g = grant(id, Duration.ofMinutes(30));
    RequestRecord used = request(id).status(RequestStatus.APPROVED).breakGlass(true).grantId(g.id())
        .decision(Instant.now(), alice.id(), ReasonCode.BREAK_GLASS, "emergency").build();
    store.insert(used, g);

    pass(Duration.ofDays(10));
    assertThat(store.openReviews()).extracting(RequestRecord::id).containsExactly(id);
  }
}
