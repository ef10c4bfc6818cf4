package dev.jitguard.approval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Privilege;
import dev.jitguard.RequestId;
import dev.jitguard.Subject;
import dev.jitguard.policy.Policy;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Subjects, the policy and an independent HMAC for the approval-channel tests. */
final class Fixtures {
  static final Instant T0 = Instant.parse("2026-03-02T09:00:00Z");
  static final String SECRET = "test-secret-0123456789-abcdefghijklmnop";
  static final String OLD_SECRET = "old-secret-0123456789-abcdefghijklmnopq";
  static final SigningSecrets SECRETS = SigningSecrets.of(SECRET);

  static final Privilege DB_WRITE = Privilege.of("db.prod.write");
  static final Privilege REFUND = Privilege.of("payments.refund");
  /** Requester. */
  static final Subject ALICE = Subject.of("alice", "developers");
  /** Approver of db.prod.write. */
  static final Subject BOB = Subject.of("bob", "dba");
  /** Second approver of db.prod.write. */
  static final Subject DAVE = Subject.of("dave", "dba");
  /** Approver of payments.refund only. */
  static final Subject FIONA = Subject.of("fiona", "finance");

  static final String JUSTIFICATION = "INC-42: repair the orders table after the failed migration";

  static final Policy POLICY = Policy.builder()
      .privilege("db.prod.write", r -> r
          .eligibleGroups("developers", "dba")
          .approverGroups("dba")
          .requireJustification(10)
          .defaultDuration(Duration.ofMinutes(30))
          .pendingTtl(Duration.ofHours(1))
          .remindAfter(Duration.ofMinutes(10))
          .escalateAfter(Duration.ofMinutes(20), "sre-leads")
          .breakGlass(10, Duration.ofHours(1)))
      .privilege("payments.refund", r -> r
          .eligibleGroups("developers")
          .approverGroups("finance")
          .approvals(2))
      .build();

  private Fixtures() {}

  static ElevationRequest ask(Subject who, Privilege what) {
    return ElevationRequest.builder(who, what).justification(JUSTIFICATION).build();
  }

  static RequestId pendingId(Decision d) {
    assertThat(d).as("expected a pending decision, got %s", d).isInstanceOf(Decision.Pending.class);
    return ((Decision.Pending) d).request().id();
  }

  /** HMAC-SHA256 written out independently of the production code, to check the documented scheme. */
  static String hmacHex(String secret, String message) {
    return hmacHex(secret, message.getBytes(StandardCharsets.UTF_8));
  }

  static String hmacHex(String secret, byte[] message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(message));
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  /** {@code timestamp + "." + body}, as the protocol signs it. */
  static byte[] signed(long timestamp, byte[] body) {
    byte[] prefix = (timestamp + ".").getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[prefix.length + body.length];
    System.arraycopy(prefix, 0, all, 0, prefix.length);
    System.arraycopy(body, 0, all, prefix.length, body.length);
    return all;
  }
}
