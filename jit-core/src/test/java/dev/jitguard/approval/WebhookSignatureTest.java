package dev.jitguard.approval;

import static dev.jitguard.approval.Fixtures.OLD_SECRET;
import static dev.jitguard.approval.Fixtures.SECRET;
import static dev.jitguard.approval.Fixtures.T0;
import static dev.jitguard.approval.Fixtures.hmacHex;
import static dev.jitguard.approval.Fixtures.signed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.Approval;
import dev.jitguard.ApprovalContext;
import dev.jitguard.InvalidInputException;
import dev.jitguard.approval.WebhookSignature.Result;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {
  private static final byte[] BODY = "{\"type\":\"request.pending\"}".getBytes(StandardCharsets.UTF_8);
  private static final long TS = T0.getEpochSecond();
  private static final Duration FIVE_MINUTES = Duration.ofMinutes(5);

  private static Result verify(SigningSecrets secrets, String ts, String sig) {
    return WebhookSignature.verify(secrets, ts, sig, BODY, T0, FIVE_MINUTES);
  }

  @Test
  void signThenHmacOfTimestampDotBodyWithTheFirstSecret() {
    String expected = "v1=" + hmacHex(SECRET, signed(TS, BODY));

    assertThat(WebhookSignature.sign(SigningSecrets.of(SECRET, OLD_SECRET), TS, BODY)).isEqualTo(expected);
    assertThat(expected).matches("v1=[0-9a-f]{64}");
  }

  @Test
  void verifyWhenAnyListedSecretSignedThenValid() {
    String byOld = "v1=" + hmacHex(OLD_SECRET, signed(TS, BODY));
    String byNew = "v1=" + hmacHex(SECRET, signed(TS, BODY));

    assertThat(verify(SigningSecrets.of(SECRET, OLD_SECRET), Long.toString(TS), byOld)).isEqualTo(Result.VALID);
    assertThat(verify(SigningSecrets.of(SECRET), Long.toString(TS), byOld)).isEqualTo(Result.MISMATCH);
    assertThat(verify(SigningSecrets.of(SECRET), Long.toString(TS), "v1=" + "0".repeat(64) + ", " + byNew))
        .isEqualTo(Result.VALID);
    assertThat(verify(SigningSecrets.of(SECRET), Long.toString(TS), byNew.toUpperCase(Locale.ROOT)
        .replace("V1=", "v1="))).isEqualTo(Result.VALID);
    assertThat(verify(SigningSecrets.of(SECRET), Long.toString(TS), "v2=abc, " + byNew)).isEqualTo(Result.VALID);
  }

  @Test
  void verifyWhenHeadersMalformedOrMissingThenRejected() {
    SigningSecrets s = SigningSecrets.of(SECRET);
    String sig = "v1=" + hmacHex(SECRET, signed(TS, BODY));

    assertThat(verify(s, null, sig)).isEqualTo(Result.MISSING);
    assertThat(verify(s, Long.toString(TS), null)).isEqualTo(Result.MISSING);
    assertThat(verify(s, "-5", sig)).isEqualTo(Result.MALFORMED);
    assertThat(verify(s, "1e9", sig)).isEqualTo(Result.MALFORMED);
    assertThat(verify(s, "\uff11" + TS, sig)).isEqualTo(Result.MALFORMED);
    assertThat(verify(s, Long.toString(TS), sig.substring(0, 60))).isEqualTo(Result.MALFORMED);
    assertThat(verify(s, Long.toString(TS), "v2=" + sig.substring(3))).isEqualTo(Result.MALFORMED);
    assertThat(verify(s, Long.toString(TS), sig.substring(0, sig.length() - 1) + "\uff10"))
        .as("a non-ASCII digit is not hex").isEqualTo(Result.MALFORMED);
    assertThat(verify(s, Long.toString(TS), "garbage")).isEqualTo(Result.MALFORMED);
  }

  @Test
  void verifyWhenTimestampOutsideToleranceThenStale() {
    SigningSecrets s = SigningSecrets.of(SECRET);
    long old = TS - 301;
    long future = TS + 301;

    assertThat(verify(s, Long.toString(old), "v1=" + hmacHex(SECRET, signed(old, BODY)))).isEqualTo(Result.STALE);
    assertThat(verify(s, Long.toString(future), "v1=" + hmacHex(SECRET, signed(future, BODY))))
        .isEqualTo(Result.STALE);
    assertThat(verify(s, Long.toString(TS - 300), "v1=" + hmacHex(SECRET, signed(TS - 300, BODY))))
        .isEqualTo(Result.VALID);
  }

  @Test
  void secretsWhenTooShortRepeatedOrPrintedThenSafe() {
    assertThatThrownBy(() -> SigningSecrets.of("short")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("at least 32").hasMessageNotContaining("short\"");
    assertThatThrownBy(() -> SigningSecrets.of(SECRET, SECRET)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("repeats");
    assertThat(SigningSecrets.of(SECRET, OLD_SECRET).toString()).isEqualTo("SigningSecrets[2 secrets]");
  }

  @Test
  void approvalContextWhenNotALowercaseTokenThenRejected() {
    assertThat(ApprovalContext.of("slack", "sso-mfa").channel()).isEqualTo("slack");
    assertThat(ApprovalContext.of("slack").authentication()).isEqualTo(ApprovalContext.UNSPECIFIED);
    for (String bad : new String[] {"", "Slack", "slack bot", "slack\n", "x".repeat(65), "1slack"}) {
      assertThatThrownBy(() -> ApprovalContext.of(bad, "none")).as(bad).isInstanceOf(InvalidInputException.class);
    }
  }

  @Test
  void approvalWhenBuiltWithTheOldConstructorsThenNoContext() {
    assertThat(new Approval("bob", T0, "ok").context()).isEmpty();
    assertThat(new Approval("bob", T0, "ok", Set.of("dba"), null).context()).isEmpty();
    assertThat(new Approval("bob", T0, "ok", Set.of("dba"), null, ApprovalContext.of("slack")).context())
        .hasValue(ApprovalContext.of("slack", "unspecified"));
  }
}
