package dev.jitguard.policy;

import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.rule.PrivilegeRule;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.InvalidInputException;
import dev.jitguard.OperationRefusedException;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.Subject;
import dev.jitguard.spi.AuditSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reloading a policy document: atomic swaps, broken documents never win, the watcher follows the file. */
class ReloadingPolicyTest {
  private static final Privilege LOGS_READ = Privilege.of("logs.read");
  private static final Subject DEV = Subject.of("dana", "developers");
  private static final Subject OPS = Subject.of("olaf", "operators");

  @TempDir
  Path dir;

  private static String document(String version, String group) {
    return """
        version: "%s"
        policies:
          logs.read:
            eligible: { groups: [%s] }
            autoApprove: [{ always: true }]
        """.formatted(version, group);
  }

  private static final String BROKEN = """
      version: "v3"
      policies:
        logs.read:
          eligible: { groups: [developers] }
          maxDuration: PT-1H
          autoAprove: [{ always: true }]
      """;

  private Path write(String content) throws IOException {
    Path file = dir.resolve("policy.yaml");
    Path tmp = dir.resolve("policy.yaml.tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return file;
  }

  @Test
  void reloadOfChangedValidDocumentSwapsTheVersionAndRules() throws IOException {
    Path file = write(document("v1", "developers"));
    List<ReloadingPolicy.ReloadResult> seen = new CopyOnWriteArrayList<>();
    try (ReloadingPolicy policy = ReloadingPolicy.builder(file).onReload(seen::add).build()) {
      String v1 = policy.version();
      assertThat(v1).startsWith("v1#");
      assertThat(policy.ruleFor(LOGS_READ).orElseThrow().eligibility().lists(DEV)).isTrue();

      write(document("v2", "operators"));
      ReloadingPolicy.ReloadResult result = policy.reload();

      assertThat(result).isInstanceOf(ReloadingPolicy.ReloadResult.Loaded.class);
      ReloadingPolicy.ReloadResult.Loaded loaded = (ReloadingPolicy.ReloadResult.Loaded) result;
      assertThat(loaded.previousVersion()).isEqualTo(v1);
      assertThat(loaded.version()).startsWith("v2#").isEqualTo(policy.version());
      assertThat(policy.ruleFor(LOGS_READ).orElseThrow().eligibility().lists(DEV)).isFalse();
      assertThat(policy.ruleFor(LOGS_READ).orElseThrow().eligibility().lists(OPS)).isTrue();
      assertThat(seen).containsExactly(result);
    }
  }

  @Test
  void reloadOfTheSameBytesIsUnchanged() throws IOException {
    Path file = write(document("v1", "developers"));
    try (ReloadingPolicy policy = ReloadingPolicy.builder(file).build()) {
      Policy before = policy.current();

      ReloadingPolicy.ReloadResult result = policy.reload();

      assertThat(result).isEqualTo(new ReloadingPolicy.ReloadResult.Unchanged(before.version()));
      assertThat(policy.current()).isSameAs(before);
    }
  }

  @Test
  void reloadOfBrokenDocumentKeepsTheOldVersionAndReportsEveryProblem() throws IOException {
    Path file = write(document("v1", "developers"));
    AtomicReference<ReloadingPolicy.ReloadResult> told = new AtomicReference<>();
    try (ReloadingPolicy policy = ReloadingPolicy.builder(file).onReload(told::set).build()) {
      Policy good = policy.current();

      write(BROKEN);
      ReloadingPolicy.ReloadResult result = policy.reload();

      assertThat(result).isInstanceOf(ReloadingPolicy.ReloadResult.Rejected.class).isSameAs(told.get());
      ReloadingPolicy.ReloadResult.Rejected rejected = (ReloadingPolicy.ReloadResult.Rejected) result;
      assertThat(rejected.version()).isEqualTo(good.version());
      assertThat(rejected.error().problems()).extracting(PolicyDocumentException.Problem::toString).containsExactly(
          file + ":5:18: policies.logs.read.maxDuration: must be positive and at most PT8784H, but was PT-1H",
          file + ":6:5: policies.logs.read.autoAprove: unknown field \"autoAprove\"; did you mean \"autoApprove\"? "
              + "Accepted fields: eligible, deny, defaultDuration, maxDuration, justification, ticket, autoApprove, "
              + "approval, extensionRequiresApproval, expiryWarning, maxUses, maxAmount, maxStartDelay, breakGlass, "
              + "denyMessage (an unknown field is an error so that a typo never silently weakens a rule)");
      assertThat(policy.current()).isSameAs(good);
      assertThat(policy.version()).isEqualTo(good.version());
      assertThat(policy.ruleFor(LOGS_READ)).isPresent();
    }
  }

  @Test
  void reloadOfDeletedFileKeepsTheOldVersion() throws IOException {
    Path file = write(document("v1", "developers"));
    try (ReloadingPolicy policy = ReloadingPolicy.builder(file).build()) {
      String v1 = policy.version();
      Files.delete(file);

      ReloadingPolicy.ReloadResult result = policy.reload();

      assertThat(result).isInstanceOf(ReloadingPolicy.ReloadResult.Rejected.class);
      assertThat(((ReloadingPolicy.ReloadResult.Rejected) result).error().problems()).singleElement()
          .satisfies(p -> assertThat(p.message()).startsWith("does not exist"));
      assertThat(policy.version()).isEqualTo(v1);
    }
  }

  @Test
  void firstLoadOfBrokenDocumentFailsCreation() throws IOException {
    Path file = write(BROKEN);

    Throwable t = catchThrowable(() -> ReloadingPolicy.builder(file).build());

    assertThat(t).isInstanceOf(PolicyDocumentException.class);
    assertThat(((PolicyDocumentException) t).problems()).hasSize(2);
  }

  @Test
  void firstLoadOfMissingFileFailsCreation() {
    Path file = dir.resolve("missing.yaml");

    assertThatThrownBy(() -> ReloadingPolicy.builder(file).build()).isInstanceOf(PolicyDocumentException.class)
        .hasMessageContaining("does not exist");
  }

  @Test
  void failingListenerDoesNotStopTheReloadOrOtherListeners() throws IOException {
    Path file = write(document("v1", "developers"));
    List<ReloadingPolicy.ReloadResult> seen = new CopyOnWriteArrayList<>();
    try (ReloadingPolicy policy = ReloadingPolicy.builder(file)
        .onReload(r -> {
          throw new IllegalStateException("listener bug");
        })
        .onReload(seen::add)
        .build()) {
      write(document("v2", "developers"));

      ReloadingPolicy.ReloadResult result = policy.reload();

      assertThat(result).isInstanceOf(ReloadingPolicy.ReloadResult.Loaded.class);
      assertThat(policy.version()).startsWith("v2#");
      assertThat(seen).containsExactly(result);
    }
  }

  @Test
  void rulesTakenBeforeAReloadKeepWorkingAndReadersNeverSeeAGap() throws Exception {
    Path file = write(document("v1", "developers"));
    try (ReloadingPolicy policy = ReloadingPolicy.builder(file).build()) {
      PrivilegeRule inFlight = policy.ruleFor(LOGS_READ).orElseThrow();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<String> failure = new AtomicReference<>();
      Thread reader = new Thread(() -> {
        while (!stop.get()) {
          if (policy.ruleFor(LOGS_READ).isEmpty() || !policy.version().matches("v[12]#[0-9a-f]{12}")) {
            failure.compareAndSet(null, "saw no rule or a bad version: " + policy.version());
          }
        }
      });
      reader.start();
      for (int i = 0; i < 50; i++) {
        write(document(i % 2 == 0 ? "v2" : "v1", i % 2 == 0 ? "operators" : "developers"));
        assertThat(policy.reload()).isInstanceOf(ReloadingPolicy.ReloadResult.Loaded.class);
      }
      stop.set(true);
      reader.join(TimeUnit.SECONDS.toMillis(10));

      assertThat(failure.get()).isNull();
      assertThat(inFlight.eligibility().lists(DEV)).as("a rule already handed out is immutable").isTrue();
    }
  }

  @Test
  void guardRecordsThePolicyVersionOfEachDecisionAndKeepsEarlierGrants() throws IOException {
    Path file = write(document("v1", "developers"));
    try (ReloadingPolicy policy = ReloadingPolicy.builder(file).build();
        PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(policy).withAuditSink(new InMemoryAuditSink())
            .withoutBackgroundMaintenance().build()) {
      Grant first = granted(guard.request(ElevationRequest.builder(DEV, LOGS_READ)
          .justification("read the logs of the failed deploy").build()));
      assertThat(first.policyVersion()).isEqualTo(policy.version()).startsWith("v1#");

      write(document("v2", "developers"));
      policy.reload();
      Grant second = granted(guard.request(ElevationRequest.builder(DEV, LOGS_READ)
          .justification("read the logs of the second deploy").build()));

      assertThat(second.policyVersion()).isEqualTo(policy.version()).startsWith("v2#");
      assertThat(guard.check(DEV, LOGS_READ)).isInstanceOf(Decision.Granted.class);
    }
  }

  private static String approvalDocument(String version, String approvers, String maxDuration) {
    return """
        version: "%s"
        policies:
          db.prod.write:
            eligible: { groups: [developers] }
            approval: { groups: [%s] }
            maxDuration: %s
        """.formatted(version, approvers, maxDuration);
  }

  @Test
  void requestPendingAcrossAReloadIsDecidedUnderTheNewPolicy() throws IOException {
    Privilege dbWrite = Privilege.of("db.prod.write");
    Subject bob = Subject.of("bob", "dba");
    Path file = write(approvalDocument("v1", "dba", "PT1H"));
    try (ReloadingPolicy policy = ReloadingPolicy.builder(file).build();
        PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(policy).withAuditSink(new InMemoryAuditSink())
            .withoutBackgroundMaintenance().build()) {
      Decision asked = guard.request(ElevationRequest.builder(DEV, dbWrite)
          .justification("repair the orders table").duration(Duration.ofHours(1)).build());
      assertThat(asked).isInstanceOf(Decision.Pending.class);
      RequestId id = ((Decision.Pending) asked).request().id();
      assertThat(((Decision.Pending) asked).request().policyVersion()).startsWith("v1#");

      // v2 tightens the maximum duration: the approval, decided under v2, issues at most that.
      write(approvalDocument("v2", "dba", "PT30M"));
      policy.reload();
      Grant g = granted(guard.approve(id, bob, "ok"));

      assertThat(g.policyVersion()).startsWith("v2#");
      assertThat(Duration.between(g.notBefore(), g.expiresAt())).isEqualTo(Duration.ofMinutes(30));
      assertThat(guard.check(DEV, dbWrite)).isInstanceOf(Decision.Granted.class);
    }
  }

  @Test
  void approverRemovedByAReloadCanNoLongerApproveARequestPendingFromBefore() throws IOException {
    Privilege dbWrite = Privilege.of("db.prod.write");
    Subject bob = Subject.of("bob", "dba");
    Path file = write(approvalDocument("v1", "dba", "PT1H"));
    try (ReloadingPolicy policy = ReloadingPolicy.builder(file).build();
        PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(policy).withAuditSink(new InMemoryAuditSink())
            .withoutBackgroundMaintenance().build()) {
      RequestId id = ((Decision.Pending) guard.request(ElevationRequest.builder(DEV, dbWrite)
          .justification("repair the orders table").build())).request().id();

      write(approvalDocument("v2", "sre", "PT1H"));
      policy.reload();
      Throwable refused = catchThrowable(() -> guard.approve(id, bob, "ok"));

      assertThat(refused).isInstanceOfSatisfying(OperationRefusedException.class,
          e -> assertThat(e.reason()).isEqualTo(ReasonCode.NOT_PERMITTED));
      assertThat(guard.pendingRequests(DEV)).extracting(RequestRecord::id).containsExactly(id);
      assertThat(guard.check(DEV, dbWrite)).isInstanceOf(Decision.Denied.class);
    }
  }

  private static Grant granted(Decision d) {
    assertThat(d).as("expected a granted decision, got %s", d).isInstanceOf(Decision.Granted.class);
    return ((Decision.Granted) d).grant();
  }

  // ------------------------------------------------------------------------------------------------ watcher

  @Test
  void watcherReloadsWhenTheFileChanges() throws Exception {
    Path file = write(document("v1", "developers"));
    CountDownLatch loaded = new CountDownLatch(1);
    try (ReloadingPolicy policy = ReloadingPolicy.builder(file)
        .withWatch(Duration.ofMillis(100))
        .onReload(r -> {
          if (r instanceof ReloadingPolicy.ReloadResult.Loaded) {
            loaded.countDown();
          }
        })
        .build()) {
      write(document("v2", "operators"));

      assertThat(loaded.await(5, TimeUnit.SECONDS)).as("the watcher reloaded within 5 s").isTrue();
      assertThat(policy.version()).startsWith("v2#");
      assertThat(policy.ruleFor(LOGS_READ).orElseThrow().eligibility().lists(OPS)).isTrue();
    }
  }

  @Test
  void watcherReportsABrokenDocumentAndKeepsTheGoodOne() throws Exception {
    Path file = write(document("v1", "developers"));
    CountDownLatch rejected = new CountDownLatch(1);
    CountDownLatch loaded = new CountDownLatch(1);
    try (ReloadingPolicy policy = ReloadingPolicy.builder(file)
        .withWatch(Duration.ofMillis(100))
        .onReload(r -> {
          if (r instanceof ReloadingPolicy.ReloadResult.Rejected) {
            rejected.countDown();
          } else if (r instanceof ReloadingPolicy.ReloadResult.Loaded) {
            loaded.countDown();
          }
        })
        .build()) {
      String v1 = policy.version();

      write(BROKEN);
      assertThat(rejected.await(5, TimeUnit.SECONDS)).as("the watcher saw the broken document").isTrue();
      assertThat(policy.version()).isEqualTo(v1);

      write(document("v2", "developers"));
      assertThat(loaded.await(5, TimeUnit.SECONDS)).as("the watcher loaded the fixed document").isTrue();
      assertThat(policy.version()).startsWith("v2#");
    }
  }

  @Test
  void closeStopsTheWatcherThread() throws IOException {
    Path file = write(document("v1", "developers"));
    ReloadingPolicy policy = ReloadingPolicy.builder(file).withWatch(Duration.ofMillis(50)).build();
    assertThat(watcherThreads()).isNotEmpty();

    policy.close();

    assertThat(watcherThreads()).isEmpty();
    assertThat(policy.ruleFor(LOGS_READ)).as("still answers after close").isPresent();
  }

  private static List<Thread> watcherThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("jitguard-policy-watch-policy.yaml") && t.isAlive())
        .toList();
  }

  @Test
  void builderOptionsAreValidated() throws IOException {
    Path file = write(document("v1", "developers"));
    ReloadingPolicy.Builder builder = ReloadingPolicy.builder(file).withWatch(Duration.ofSeconds(1));

    assertThatThrownBy(() -> builder.withWatch(Duration.ofSeconds(2))).isInstanceOf(IllegalStateException.class)
        .hasMessage("pollInterval was already set to PT1S");
    assertThatThrownBy(() -> ReloadingPolicy.builder(file).withWatch(Duration.ZERO))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("pollInterval must be between PT0.01S and PT1H, but was PT0S");
  }

  @Test
  void loaderOptionsApplyToEveryReload() throws IOException {
    Path file = dir.resolve("policy.conf");
    Files.writeString(file, "{\"policies\": {\"logs.read\": {\"eligible\": {\"groups\": [\"developers\"]}, "
        + "\"autoApprove\": [{\"onCall\": \"sre\"}]}}}");
    InMemoryOnCallSource onCall = new InMemoryOnCallSource().set("sre", "dana");

    try (ReloadingPolicy policy = ReloadingPolicy.builder(file)
        .withLoader(PolicyDocuments.loader().withOnCallSource(onCall).withFormat(PolicyDocuments.Format.JSON))
        .build()) {
      Files.writeString(file, "{\"version\": \"v2\", \"policies\": {\"logs.read\": {\"eligible\": {\"groups\": "
          + "[\"developers\"]}, \"autoApprove\": [{\"onCall\": \"sre\"}]}}}");

      assertThat(policy.reload()).isInstanceOf(ReloadingPolicy.ReloadResult.Loaded.class);
      assertThat(policy.ruleFor(LOGS_READ).orElseThrow().approval().autoApprove()).singleElement()
          .extracting(AutoApproveCondition::description).isEqualTo("requester is on call for sre");
    }
  }
}
