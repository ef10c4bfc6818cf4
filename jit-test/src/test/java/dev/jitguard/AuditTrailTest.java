package dev.jitguard;

import static dev.jitguard.Fixtures.ALICE;
import static dev.jitguard.Fixtures.BOB;
import static dev.jitguard.Fixtures.DAVE;
import static dev.jitguard.Fixtures.DB_WRITE;
import static dev.jitguard.Fixtures.FRANK;
import static dev.jitguard.Fixtures.JUSTIFICATION;
import static dev.jitguard.Fixtures.LOGS_READ;
import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.invalid;
import static dev.jitguard.Fixtures.pendingId;
import static dev.jitguard.Fixtures.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.policy.Policy;
import dev.jitguard.test.TestGuards;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractMap.SimpleEntry;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The audit trail: every event type with who, what and why; summaries; and user text that cannot forge lines. */
class AuditTrailTest {
  private static final Privilege NOTES = Privilege.of("notes.write");

  private static final Policy POLICY = Policy.builder()
      .version("2026-01")
      .privilege("db.prod.write", r -> r
          .eligibleGroups("developers")
          .approverGroups("dba")
          .approvals(2)
          .extensionRequiresApproval(false) // one approver cannot extend a 2-approval grant; the holder may
          .requireJustification(10)
          .maxDuration(Duration.ofHours(1))
          .defaultDuration(Duration.ofMinutes(30))
          .pendingTtl(Duration.ofHours(1)))
      .privilege("logs.read", r -> r
          .eligibleGroups("developers")
          .approverGroups("sre")
          .autoApprove(AutoApproveCondition.memberOfAny("oncall")))
      .privilege("notes.write", r -> r
          .eligibleGroups("developers")
          .approverGroups("dba")
          .maxDuration(Duration.ofHours(2)))
      .build();

  private static final Subject OLGA = Subject.of("olga", "developers", "oncall");

  private TestGuards.Setup t;
  private PrivilegeGuard guard;

  @BeforeEach
  void setUp() {
    t = TestGuards.inMemory(POLICY);
    guard = t.guard();
  }

  @AfterEach
  void tearDown() {
    t.close();
  }

  private AuditEvent only(AuditEventType type) {
    List<AuditEvent> events = t.audit().events(type);
    assertThat(events).as("events of type %s", type).hasSize(1);
    return events.get(0);
  }

  /** The one event of a type about a request. */
  private AuditEvent about(AuditEventType type, RequestId request) {
    List<AuditEvent> events = t.audit().events(type).stream()
        .filter(e -> e.requestId().filter(request::equals).isPresent()).collect(Collectors.toList());
    assertThat(events).as("events of type %s for request %s", type, request).hasSize(1);
    return events.get(0);
  }

  private Grant approvedNotes(Subject s) {
    return granted(guard.approve(pendingId(guard.request(ask(s, NOTES).build())), BOB, "ok"));
  }

  // ------------------------------------------------------------------------------------------- every event type

  @Test
  void fullLifecycleThenEveryEventTypeRecordedWithWhoWhatAndWhy() {
    Instant t0 = t.clock().instant();
    Subject amy = Subject.of("amy", "developers");
    Subject ann = Subject.of("ann", "developers");
    Subject al = Subject.of("al", "developers");
    Subject bea = Subject.of("bea", "developers");

    guard.request(ask(FRANK, DB_WRITE).build());                                        // REQUEST_DENIED
    RequestId aliceReq = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));        // REQUESTED
    refusal(() -> guard.approve(aliceReq, ALICE, "mine"));                              // OPERATION_REFUSED
    guard.approve(aliceReq, BOB, "first look");                                         // APPROVAL_RECORDED
    Grant aliceGrant = granted(guard.approve(aliceReq, DAVE, "second look"));            // APPROVED, GRANTED
    RequestId amyReq = pendingId(guard.request(ask(amy, DB_WRITE).build()));
    guard.deny(amyReq, BOB, "use the replica");                                         // DENIED
    RequestId annReq = pendingId(guard.request(ask(ann, DB_WRITE).build()));
    guard.withdraw(annReq, ann);                                                        // WITHDRAWN
    RequestId alReq = pendingId(guard.request(ask(al, DB_WRITE).build()));              // expires later
    Grant olgaGrant = granted(guard.request(ask(OLGA, LOGS_READ).build()));             // AUTO_APPROVED
    for (int i = 0; i < 4; i++) {
      assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();                  // USED, then 3 counted
    }
    for (int i = 0; i < 3; i++) {
      guard.check(FRANK, DB_WRITE);                                                     // CHECK_DENIED, 2 counted
    }
    t.clock().advance(Duration.ofMinutes(1));
    Instant extendedAt = t.clock().instant();
    guard.extend(aliceGrant.id(), ALICE, Duration.ofMinutes(10), "slow migration");    // EXTENDED
    guard.revoke(olgaGrant.id(), OLGA, "done");                                         // REVOKED
    RequestId beaReq = pendingId(guard.request(ask(bea, DB_WRITE).uses(1).build()));
    guard.approve(beaReq, BOB, "");
    Grant beaGrant = granted(guard.approve(beaReq, DAVE, ""));
    guard.check(bea, DB_WRITE);                                                         // CONSUMED
    guard.runMaintenance();                                                             // USES, CHECKS_DENIED
    t.clock().advance(Duration.ofHours(1));
    guard.runMaintenance();                                                             // REQUEST_EXPIRED, GRANT_EXPIRED

    // Every type of the core lifecycle; the approval-model types (reminders, escalation, break-glass, ...) are
    // covered by ApprovalModelTest.
    assertThat(EnumSet.copyOf(t.audit().types()))
        .isEqualTo(EnumSet.range(AuditEventType.REQUESTED, AuditEventType.CONSUMED));

    AuditEvent requestDenied = only(AuditEventType.REQUEST_DENIED);
    assertThat(requestDenied.subject()).contains("frank");
    assertThat(requestDenied.privilege()).contains(DB_WRITE);
    assertThat(requestDenied.actor()).contains("policy");
    assertThat(requestDenied.reason()).contains(ReasonCode.NOT_ELIGIBLE);
    assertThat(requestDenied.text()).contains(JUSTIFICATION);
    assertThat(requestDenied.time()).isEqualTo(t0);
    assertThat(requestDenied.policyVersion()).contains("2026-01");

    AuditEvent requested = about(AuditEventType.REQUESTED, aliceReq);
    assertThat(requested.subject()).contains("alice");
    assertThat(requested.actor()).contains("alice");
    assertThat(requested.privilege()).contains(DB_WRITE);
    assertThat(requested.text()).contains(JUSTIFICATION);
    assertThat(requested.details()).containsEntry("duration", "PT30M").containsEntry("approvals_required", "2");
    assertThat(requested.policyVersion()).contains("2026-01");

    AuditEvent refused = only(AuditEventType.OPERATION_REFUSED);
    assertThat(refused.actor()).contains("alice");
    assertThat(refused.subject()).contains("alice");
    assertThat(refused.requestId()).contains(aliceReq);
    assertThat(refused.reason()).contains(ReasonCode.SELF_APPROVAL);
    assertThat(refused.details()).containsEntry("action", "approve");

    AuditEvent recorded = about(AuditEventType.APPROVAL_RECORDED, aliceReq);
    assertThat(recorded.actor()).contains("bob");
    assertThat(recorded.subject()).contains("alice");
    assertThat(recorded.requestId()).contains(aliceReq);
    assertThat(recorded.text()).contains("first look");
    assertThat(recorded.details()).containsEntry("approvals", "1/2");

    AuditEvent approved = about(AuditEventType.APPROVED, aliceReq);
    assertThat(approved.actor()).contains("dave");
    assertThat(approved.reason()).contains(ReasonCode.APPROVED);
    assertThat(approved.grantId()).contains(aliceGrant.id());
    assertThat(approved.text()).contains("second look");
    assertThat(approved.details()).containsEntry("approvers", "bob,dave");

    AuditEvent granted = about(AuditEventType.GRANTED, aliceReq);
    assertThat(granted.subject()).contains("alice");
    assertThat(granted.requestId()).contains(aliceReq);
    assertThat(granted.reason()).contains(ReasonCode.APPROVED);
    assertThat(granted.details()).containsEntry("expires_at", aliceGrant.expiresAt().toString())
        .containsEntry("approvers", "bob,dave");

    AuditEvent denied = only(AuditEventType.DENIED);
    assertThat(denied.actor()).contains("bob");
    assertThat(denied.subject()).contains("amy");
    assertThat(denied.reason()).contains(ReasonCode.DENIED_BY_APPROVER);
    assertThat(denied.text()).contains("use the replica");

    AuditEvent withdrawn = only(AuditEventType.WITHDRAWN);
    assertThat(withdrawn.actor()).contains("ann");
    assertThat(withdrawn.requestId()).contains(annReq);

    AuditEvent auto = only(AuditEventType.AUTO_APPROVED);
    assertThat(auto.subject()).contains("olga");
    assertThat(auto.actor()).contains("policy");
    assertThat(auto.reason()).contains(ReasonCode.AUTO_APPROVED);
    assertThat(auto.grantId()).contains(olgaGrant.id());
    assertThat(auto.details().get("condition")).contains("oncall");

    AuditEvent used = about(AuditEventType.USED, aliceReq);
    assertThat(used.actor()).contains("alice");
    assertThat(used.privilege()).contains(DB_WRITE);

    AuditEvent uses = only(AuditEventType.USES);
    assertThat(uses.grantId()).contains(aliceGrant.id());
    assertThat(uses.count()).isEqualTo(3);

    AuditEvent checkDenied = only(AuditEventType.CHECK_DENIED);
    assertThat(checkDenied.subject()).contains("frank");
    assertThat(checkDenied.privilege()).contains(DB_WRITE);
    assertThat(checkDenied.reason()).contains(ReasonCode.NO_GRANT);

    AuditEvent checksDenied = only(AuditEventType.CHECKS_DENIED);
    assertThat(checksDenied.subject()).contains("frank");
    assertThat(checksDenied.count()).isEqualTo(2);

    AuditEvent extended = only(AuditEventType.EXTENDED);
    assertThat(extended.actor()).contains("alice");
    assertThat(extended.subject()).contains("alice");
    assertThat(extended.text()).contains("slow migration");
    assertThat(extended.time()).isEqualTo(extendedAt);

    AuditEvent revoked = only(AuditEventType.REVOKED);
    assertThat(revoked.actor()).contains("olga");
    assertThat(revoked.grantId()).contains(olgaGrant.id());
    assertThat(revoked.reason()).contains(ReasonCode.GRANT_REVOKED);
    assertThat(revoked.text()).contains("done");

    AuditEvent consumed = only(AuditEventType.CONSUMED);
    assertThat(consumed.actor()).contains("bea");
    assertThat(consumed.grantId()).contains(beaGrant.id());

    AuditEvent requestExpired = only(AuditEventType.REQUEST_EXPIRED);
    assertThat(requestExpired.requestId()).contains(alReq);
    assertThat(requestExpired.actor()).contains("system");
    assertThat(requestExpired.reason()).contains(ReasonCode.REQUEST_EXPIRED);

    AuditEvent grantExpired = only(AuditEventType.GRANT_EXPIRED);
    assertThat(grantExpired.grantId()).contains(aliceGrant.id());
    assertThat(grantExpired.actor()).contains("system");
    assertThat(grantExpired.reason()).contains(ReasonCode.GRANT_EXPIRED);

    for (AuditEvent e : t.audit().events()) {
      assertThat(e.subject()).as("subject of %s", e.type()).isPresent();
      assertThat(e.privilege()).as("privilege of %s", e.type()).isPresent();
      assertThat(e.toString()).as("rendering of %s", e.type()).doesNotContain("\n")
          .startsWith("type=" + e.type().name() + " time=" + e.time());
    }
  }

  // ------------------------------------------------------------------------------------------- use summaries

  @Test
  void checksOnTimeBoundGrantThenFirstUseRecordedAndLaterUsesSummarisedByMaintenance() {
    Grant g = approvedNotes(ALICE);

    for (int i = 0; i < 5; i++) {
      guard.check(ALICE, NOTES);
    }

    assertThat(t.audit().events(AuditEventType.USED)).singleElement()
        .satisfies(e -> assertThat(e.grantId()).contains(g.id()));
    assertThat(t.audit().events(AuditEventType.USES)).isEmpty();

    guard.runMaintenance();
    assertThat(only(AuditEventType.USES).count()).isEqualTo(4);
    guard.runMaintenance();
    assertThat(t.audit().events(AuditEventType.USES)).as("nothing new to flush").hasSize(1);

    guard.check(ALICE, NOTES);
    guard.runMaintenance();
    assertThat(t.audit().events(AuditEventType.USES)).extracting(AuditEvent::count).containsExactly(4L, 1L);
    assertThat(t.audit().events(AuditEventType.USED)).as("first use only").hasSize(1);
  }

  @Test
  void closeThenPendingUseCountsFlushed() {
    approvedNotes(ALICE);
    guard.check(ALICE, NOTES);
    guard.check(ALICE, NOTES);
    guard.check(ALICE, NOTES);

    guard.close();

    assertThat(only(AuditEventType.USES).count()).isEqualTo(2);
  }

  @Test
  void revokeThenUsesCountedSoFarFlushedBeforeTheRevocation() {
    Grant g = approvedNotes(ALICE);
    guard.check(ALICE, NOTES);
    guard.check(ALICE, NOTES);

    guard.revoke(g.id(), ALICE, "");

    assertThat(only(AuditEventType.USES).count()).isEqualTo(1);
    assertThat(t.audit().types()).containsSubsequence(AuditEventType.USES, AuditEventType.REVOKED);
  }

  // ------------------------------------------------------------------------------------------- denial summaries

  @Test
  void deniedChecksThenFirstRecordedAndRestSummarisedPerFlushPeriod() {
    for (int i = 0; i < 5; i++) {
      guard.check(FRANK, NOTES);
    }

    AuditEvent first = only(AuditEventType.CHECK_DENIED);
    assertThat(first.subject()).contains("frank");
    assertThat(first.privilege()).contains(NOTES);
    assertThat(first.reason()).contains(ReasonCode.NO_GRANT);
    assertThat(t.audit().events(AuditEventType.CHECKS_DENIED)).isEmpty();

    guard.runMaintenance();
    assertThat(only(AuditEventType.CHECKS_DENIED).count()).isEqualTo(4);

    guard.check(FRANK, NOTES);
    assertThat(t.audit().events(AuditEventType.CHECK_DENIED)).as("a new period starts with an event").hasSize(2);
    guard.runMaintenance();
    assertThat(t.audit().events(AuditEventType.CHECKS_DENIED)).as("nothing more to summarise").hasSize(1);
  }

  @Test
  void deniedChecksForDifferentReasonsInOnePeriodThenFirstOfEachReasonRecorded() {
    guard.check(ALICE, NOTES);                      // NO_GRANT
    Grant g = approvedNotes(ALICE);
    guard.revoke(g.id(), ALICE, "");
    guard.check(ALICE, NOTES);                      // GRANT_REVOKED
    guard.check(ALICE, NOTES);                      // GRANT_REVOKED again: counted

    assertThat(t.audit().events(AuditEventType.CHECK_DENIED)).extracting(e -> e.reason().orElseThrow())
        .containsExactly(ReasonCode.NO_GRANT, ReasonCode.GRANT_REVOKED);
    guard.runMaintenance();
    assertThat(only(AuditEventType.CHECKS_DENIED).count()).isEqualTo(1);
  }

  @Test
  void grantPastExpiryThenMaintenanceRecordsGrantExpiredOnce() {
    Grant g = approvedNotes(ALICE);
    t.clock().advance(Duration.ofHours(1));

    guard.runMaintenance();
    guard.runMaintenance();

    AuditEvent e = only(AuditEventType.GRANT_EXPIRED);
    assertThat(e.grantId()).contains(g.id());
    assertThat(e.subject()).contains("alice");
    assertThat(e.time()).isEqualTo(t.clock().instant());
    assertThat(t.store().findGrant(g.id()).orElseThrow().storedStatus()).isEqualTo(GrantStatus.EXPIRED);
  }

  // ------------------------------------------------------------------------------------------- hostile text

  private static final String HOSTILE = "fix orders\nINFO type=GRANTED subject=\"mallory\"\r\n"
      + "\u001b[31mRED\u001b[0m \u202Eexe.txt\" type=GRANTED actor=\"root\" \\\" \u2028line\u0085sep\ttab";

  @Test
  void hostileJustificationThenAuditLineStaysOneLineOfPrintableAsciiWithoutForgedFields() {
    guard.request(ask(ALICE, NOTES).build());
    RequestId id = pendingId(guard.request(ElevationRequest.builder(Subject.of("amy", "developers"), NOTES)
        .justification(HOSTILE).build()));
    guard.request(ElevationRequest.builder(FRANK, NOTES).justification(HOSTILE).build());
    Grant g = granted(guard.approve(id, BOB, HOSTILE));
    guard.revoke(g.id(), BOB, HOSTILE);

    List<AuditEvent> withText = t.audit().events().stream()
        .filter(e -> e.text().filter(HOSTILE::equals).isPresent()).collect(Collectors.toList());
    assertThat(withText).extracting(AuditEvent::type).contains(AuditEventType.REQUESTED,
        AuditEventType.REQUEST_DENIED, AuditEventType.APPROVED, AuditEventType.REVOKED);
    for (AuditEvent e : withText) {
      String line = e.toString();
      assertThat(line).doesNotContain("\n", "\r", "\u001b", "\u202e", "\u2028", "\u0085", "\t");
      assertThat(line.chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
      List<Map.Entry<String, String>> fields = parse(line);
      assertThat(fields).filteredOn(f -> f.getKey().equals("type")).as("one type field in %s", line)
          .singleElement().satisfies(f -> assertThat(f.getValue()).isEqualTo(e.type().name()));
      assertThat(fields).filteredOn(f -> f.getKey().equals("actor")).hasSizeLessThanOrEqualTo(1);
      assertThat(fields).filteredOn(f -> f.getKey().equals("subject")).hasSize(1);
      assertThat(fields).filteredOn(f -> f.getKey().equals("text")).singleElement()
          .satisfies(f -> assertThat(f.getValue()).as("text round-trips").isEqualTo(HOSTILE));
      assertThat(e.text()).as("kept verbatim in the event").contains(HOSTILE);
    }
  }

  @Test
  void hostileTicketThenRejectedAtTheBuilder() {
    InvalidInputException e = invalid(() -> ask(ALICE, NOTES).ticket("INC-1\n type=GRANTED"));

    assertThat(e.field()).isEqualTo("ticket");
    assertThat(e.getMessage()).doesNotContain("\n");
  }

  /** Parses {@code key=value key="quoted \"value\""} as the audit line writes it; fails on anything else. */
  private static List<Map.Entry<String, String>> parse(String line) {
    List<Map.Entry<String, String>> out = new ArrayList<>();
    int i = 0;
    while (i < line.length()) {
      int eq = line.indexOf('=', i);
      assertThat(eq).as("key at %d in %s", i, line).isGreaterThan(i);
      String key = line.substring(i, eq);
      assertThat(key).matches("[a-z_]+");
      i = eq + 1;
      StringBuilder value = new StringBuilder();
      if (i < line.length() && line.charAt(i) == '"') {
        i++;
        while (true) {
          assertThat(i).as("unterminated quote in %s", line).isLessThan(line.length());
          char c = line.charAt(i++);
          if (c == '"') {
            break;
          }
          if (c == '\\') {
            char n = line.charAt(i++);
            switch (n) {
              case 'n' -> value.append('\n');
              case 'r' -> value.append('\r');
              case 't' -> value.append('\t');
              case 'u' -> {
                value.append((char) Integer.parseInt(line.substring(i, i + 4), 16));
                i += 4;
              }
              default -> value.append(n);
            }
          } else {
            value.append(c);
          }
        }
      } else {
        while (i < line.length() && line.charAt(i) != ' ') {
          value.append(line.charAt(i++));
        }
      }
      out.add(new SimpleEntry<>(key, value.toString()));
      if (i < line.length()) {
        assertThat(line.charAt(i)).as("separator at %d in %s", i, line).isEqualTo(' ');
        i++;
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------- oversized text

  @Test
  void justificationOverTwoThousandCharactersThenRejectedAtTheBuilderNamingTheField() {
    ElevationRequest.Builder b = ElevationRequest.builder(ALICE, NOTES);

    InvalidInputException e = invalid(() -> b.justification("x".repeat(2001)));

    assertThat(e.field()).isEqualTo("justification");
    assertThat(e.getMessage()).contains("justification").contains("2000").contains("2001");
    assertThat(b.build().justification()).as("nothing was set").isEmpty();
    assertThat(t.audit().events()).isEmpty();
  }

  @Test
  void justificationOfExactlyTwoThousandCharactersThenAccepted() {
    String longest = "y".repeat(2000);

    Decision d = guard.request(ElevationRequest.builder(ALICE, NOTES).justification(longest).build());

    assertThat(d.outcome()).isEqualTo(Outcome.PENDING);
    assertThat(only(AuditEventType.REQUESTED).text()).contains(longest);
  }

  @Test
  void eventsOfOneGrantThenShareItsIdsForATimeline() {
    Grant g = approvedNotes(ALICE);
    guard.check(ALICE, NOTES);
    guard.extend(g.id(), DAVE, Duration.ofMinutes(5), "");
    guard.revoke(g.id(), ALICE, "");

    List<AuditEventType> timeline = t.audit().events().stream()
        .filter(e -> e.grantId().filter(g.id()::equals).isPresent())
        .map(AuditEvent::type).collect(Collectors.toList());
    assertThat(timeline).containsExactly(AuditEventType.APPROVED, AuditEventType.GRANTED, AuditEventType.USED,
        AuditEventType.EXTENDED, AuditEventType.REVOKED);
    Set<RequestId> requestIds = t.audit().events().stream().filter(e -> e.grantId().isPresent())
        .map(e -> e.requestId().orElseThrow()).collect(Collectors.toSet());
    assertThat(requestIds).containsExactly(g.requestId());
  }
}
