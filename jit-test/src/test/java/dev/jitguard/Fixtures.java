package dev.jitguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Shared subjects, privileges and small helpers for the behaviour tests. */
final class Fixtures {
  static final Privilege DB_WRITE = Privilege.of("db.prod.write");
  static final Privilege REFUND = Privilege.of("payments.refund");
  static final Privilege LOGS_READ = Privilege.of("logs.read");

  /** A requester: a developer. */
  static final Subject ALICE = Subject.of("alice", "developers");
  /** An approver for db.prod.write. */
  static final Subject BOB = Subject.of("bob", "dba");
  /** A second approver for db.prod.write. */
  static final Subject DAVE = Subject.of("dave", "dba");
  /** An administrator, not an approver. */
  static final Subject ERIN = Subject.of("erin", "admins");
  /** Nobody in particular. */
  static final Subject FRANK = Subject.of("frank");

  static final String JUSTIFICATION = "INC-42: repair the orders table after the failed migration";

  private Fixtures() {}

  /** A request with a valid justification. */
  static ElevationRequest.Builder ask(Subject subject, Privilege privilege) {
    return ElevationRequest.builder(subject, privilege).justification(JUSTIFICATION);
  }

  /** The id of a pending decision, asserting it is pending. */
  static RequestId pendingId(Decision d) {
    assertThat(d).as("expected a pending decision, got %s", d).isInstanceOf(Decision.Pending.class);
    return ((Decision.Pending) d).request().id();
  }

  /** The grant of a granted decision, asserting it is granted. */
  static Grant granted(Decision d) {
    assertThat(d).as("expected a granted decision, got %s", d).isInstanceOf(Decision.Granted.class);
    return ((Decision.Granted) d).grant();
  }

  /** The refusal thrown by a call, asserting there was one. */
  static OperationRefusedException refusal(ThrowingCallable call) {
    Throwable t = catchThrowable(call);
    assertThat(t).as("expected an OperationRefusedException").isInstanceOf(OperationRefusedException.class);
    return (OperationRefusedException) t;
  }

  /** The invalid-input exception thrown by a call, asserting there was one. */
  static InvalidInputException invalid(ThrowingCallable call) {
    Throwable t = catchThrowable(call);
    assertThat(t).as("expected an InvalidInputException").isInstanceOf(InvalidInputException.class);
    return (InvalidInputException) t;
  }

  static Duration minutes(long m) {
    return Duration.ofMinutes(m);
  }
}
