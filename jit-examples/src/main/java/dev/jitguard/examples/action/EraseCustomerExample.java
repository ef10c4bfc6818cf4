package dev.jitguard.examples.action;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequiredException;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.Subject;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.examples.action.CustomerService.Customer;
import dev.jitguard.policy.Policy;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.test.TestClock;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * JIT action approval, end to end, on the in-memory defaults: approve one exact call, once.
 *
 * <p>Sam, a support agent, wants to erase customer 42. He is denied with a hint, asks for approval of exactly that
 * call, and Pat, a privacy officer, sees the preview "Erase customer 42 (Jane Doe, 3 open orders)" and approves. A
 * call on customer 43 is denied ({@code ACTION_MISMATCH}: what was approved is not what runs) and does not use up
 * the approval; the erasure of 42 runs once, and a second attempt is denied ({@code GRANT_CONSUMED}). Then a
 * background job asks to erase customer 43, parks on the decision (park-and-resume) and proceeds exactly once when
 * Pat approves. The audit trail is printed at the end.
 *
 * <p>Run it with {@code mvn -B -q -pl jit-examples -am compile exec:java
 * -Dexec.mainClass=dev.jitguard.examples.action.EraseCustomerExample}.
 */
public final class EraseCustomerExample {
  private EraseCustomerExample() {}

  /**
   * What happened, for the test that runs the example.
   *
   * @param deniedBefore reason of the denial before any approval
   * @param hintBefore the hint that came with it
   * @param request the decision on Sam's request
   * @param previewSeen the preview Pat saw
   * @param approval the decision after Pat's approval
   * @param otherCustomer reason of the denial of the call on customer 43
   * @param erasure the confirmation of the erasure of customer 42
   * @param secondAttempt reason of the denial of the second erasure of customer 42
   * @param jobDecision the decision the parked job resumed with
   * @param jobErasure the job's confirmation
   * @param jobRetry reason of the denial of the job's retry
   * @param erased every erasure that ran, in order
   * @param auditTrail every audit event, in order
   */
  public record Result(ReasonCode deniedBefore, String hintBefore, Decision request, String previewSeen,
      Decision approval, ReasonCode otherCustomer, String erasure, ReasonCode secondAttempt, Decision jobDecision,
      String jobErasure, ReasonCode jobRetry, List<Long> erased, List<AuditEvent> auditTrail) {}

  /**
   * Runs the example and prints it.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    run(System.out);
  }

  /**
   * Runs the example.
   *
   * @param out where to print the story
   * @return what happened
   */
  public static Result run(PrintStream out) {
    // Support agents may ask to erase a customer; one privacy officer, never the requester, approves each call.
    Policy policy = Policy.builder()
        .version("erase-example-1")
        .privilege("customers.erase", rule -> rule
            .eligibleGroups("support")
            .approverGroups("privacy")
            .requireJustification(20)
            .defaultDuration(Duration.ofHours(1))
            .pendingTtl(Duration.ofHours(8)))
        .build();

    TestClock clock = TestClock.at("2026-11-23T09:00:00Z");
    InMemoryAuditSink audit = new InMemoryAuditSink();
    ExecutorService jobs = Executors.newSingleThreadExecutor(r -> new Thread(r, "erasure-job"));
    try (PrivilegeGuard guard = PrivilegeGuard.builder()
        .withPolicy(policy)
        .withAuditSink(audit)
        .withClock(clock)
        .withoutBackgroundMaintenance()
        .build()) {
      CustomerService customers = new CustomerService(guard, List.of(
          new Customer(42, "Jane Doe", 3), new Customer(43, "John Roe", 0)));
      Subject sam = Subject.of("sam", "support");
      Subject pat = Subject.of("pat", "privacy");
      Subject job = Subject.of("erasure-job", "support");

      out.println("== 09:00 Sam erases customer 42 without approval");
      ElevationRequiredException denied = attempt(customers, sam, 42, out);

      out.println();
      out.println("== Sam asks for approval of exactly that call");
      Decision requested = guard.request(customers.eraseRequest(sam, 42,
          "GDPR erasure request from the customer, ticket PRIV-2041"));
      out.println("   " + requested.outcome() + ": " + requested.message());
      RequestId requestId = ((Decision.Pending) requested).request().id();

      out.println();
      out.println("== 09:10 Pat, a privacy officer, looks at her approvals");
      clock.advance(Duration.ofMinutes(10));
      RequestRecord seen = guard.pendingApprovals(pat).get(0);
      String preview = seen.request().action().orElseThrow().preview();
      out.println("   " + seen.requesterId() + " asks: " + preview);
      out.println("   because: " + seen.request().justification());
      Decision approved = guard.approve(requestId, pat, "identity verified, no legal hold");
      out.println("   " + approved.outcome() + ": " + approved.message());

      out.println();
      out.println("== Sam erases customer 43 instead");
      ReasonCode otherCustomer = attempt(customers, sam, 43, out).reason();

      out.println();
      out.println("== Sam erases customer 42");
      String erasure = customers.eraseCustomer(sam, 42);
      out.println("   " + erasure);

      out.println();
      out.println("== Sam erases customer 42 a second time");
      ReasonCode secondAttempt = attempt(customers, sam, 42, out).reason();

      out.println();
      out.println("== Park and resume: a background job asks to erase customer 43 and waits for the decision");
      CountDownLatch parked = new CountDownLatch(1);
      AtomicReference<RequestId> jobRequest = new AtomicReference<>();
      AtomicReference<Decision> jobDecision = new AtomicReference<>();
      Future<String> jobRun = jobs.submit(() -> {
        Decision asked = guard.request(customers.eraseRequest(job, 43,
            "Account closed 30 days ago: scheduled erasure, ticket PRIV-2042"));
        jobRequest.set(((Decision.Pending) asked).request().id());
        CompletableFuture<Decision> decision = guard.decisionFuture(jobRequest.get(), job);
        parked.countDown();
        Decision d = decision.get(30, TimeUnit.SECONDS); // parked on this thread, bounded
        jobDecision.set(d);
        return d.isGranted() ? customers.eraseCustomer(job, 43) : "not erased: " + d.reason();
      });
      await(parked);
      out.println("   the job is parked on request " + jobRequest.get());
      clock.advance(Duration.ofMinutes(20));
      RequestRecord jobAsk = guard.pendingApprovals(pat).get(0);
      out.println("   Pat sees: " + jobAsk.request().action().orElseThrow().preview());
      guard.approve(jobRequest.get(), pat, "closed account, retention period over");
      String jobErasure = get(jobRun);
      out.println("   the job resumed with " + jobDecision.get().outcome() + " and ran: " + jobErasure);
      ReasonCode jobRetry = attempt(customers, job, 43, out).reason();

      out.println();
      out.println("== The audit trail");
      for (AuditEvent e : audit.events()) {
        out.println("   " + e);
      }
      return new Result(denied.reason(), denied.decision().hint(), requested, preview, approved, otherCustomer,
          erasure, secondAttempt, jobDecision.get(), jobErasure, jobRetry, customers.erased(), audit.events());
    } finally {
      jobs.shutdownNow();
    }
  }

  /** One erasure attempt that is expected to be denied; prints and returns the denial. */
  private static ElevationRequiredException attempt(CustomerService customers, Subject who, long customerId,
      PrintStream out) {
    try {
      String done = customers.eraseCustomer(who, customerId);
      throw new IllegalStateException("expected a denial, but " + done);
    } catch (ElevationRequiredException e) {
      out.println("   denied " + e.reason() + ": " + e.decision().message());
      out.println("   hint: " + e.decision().hint());
      return e;
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the background job did not start within 30 seconds");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the background job", e);
    }
  }

  private static String get(Future<String> job) {
    try {
      return job.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the background job", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the background job failed", e);
    }
  }
}
