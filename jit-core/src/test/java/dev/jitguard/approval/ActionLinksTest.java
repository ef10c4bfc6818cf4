package dev.jitguard.approval;

import static dev.jitguard.approval.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.ElevationRequest;
import dev.jitguard.InvalidInputException;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ActionLinksTest {
  private static final String NEW = "links-secret-new-0123456789-abcdefghij";
  private static final String OLD = "links-secret-old-0123456789-abcdefghij";

  private final MutableClock clock = new MutableClock(T0);
  private final RequestRecord request = RequestRecord.builder(RequestId.random(),
          ElevationRequest.builder(Fixtures.ALICE, Fixtures.DB_WRITE).justification("INC-42 repair").build())
      .createdAt(T0).expiresAt(T0.plus(Duration.ofHours(8))).approvalsRequired(1).build();

  private ActionLinks links(SigningSecrets secrets) {
    return ActionLinks.builder().withBaseUri(URI.create("https://jit.example.com/decide")).withSecrets(secrets)
        .withTimeToLive(Duration.ofHours(4)).withClock(clock).build();
  }

  @Test
  void linkWhenGenuineThenVerifiesWithItsClaims() {
    ActionLinks links = links(SigningSecrets.of(NEW));

    URI approve = links.link(request, Verdict.APPROVE);

    assertThat(approve.toString()).startsWith("https://jit.example.com/decide?token=v1." + request.id() + ".approve.");
    assertThat(links.verify(ActionLinks.tokenOf(approve).orElseThrow()))
        .isEqualTo(new ActionLinks.Valid(request.id(), Verdict.APPROVE, T0.plus(Duration.ofHours(4))));
  }

  @Test
  void linkWhenRequestExpiresBeforeTheTimeToLiveThenLinkExpiresWithIt() {
    RequestRecord soon = request.toBuilder().expiresAt(T0.plus(Duration.ofMinutes(30))).build();
    ActionLinks links = links(SigningSecrets.of(NEW));

    ActionLinks.Verification v = links.verify(ActionLinks.tokenOf(links.link(soon, Verdict.DENY)).orElseThrow());

    assertThat(((ActionLinks.Valid) v).expiresAt()).isEqualTo(T0.plus(Duration.ofMinutes(30)));
  }

  @Test
  void tokenWhenAnyClaimOrTheSignatureIsChangedThenBadSignature() {
    ActionLinks links = links(SigningSecrets.of(NEW));
    String token = ActionLinks.tokenOf(links.link(request, Verdict.DENY)).orElseThrow();
    String[] p = token.split("\\.");

    String verdict = String.join(".", p[0], p[1], "approve", p[3], p[4]);
    String otherRequest = String.join(".", p[0], RequestId.random().value(), p[2], p[3], p[4]);
    String longer = String.join(".", p[0], p[1], p[2], Long.toString(Long.parseLong(p[3]) + 86_400), p[4]);
    char last = p[4].charAt(0);
    String signature = String.join(".", p[0], p[1], p[2], p[3], (last == 'A' ? 'B' : 'A') + p[4].substring(1));

    for (String forged : new String[] {verdict, otherRequest, longer, signature}) {
      assertThat(links.verify(forged)).as(forged).isEqualTo(new ActionLinks.Invalid(ActionLinks.Problem.BAD_SIGNATURE));
    }
  }

  @Test
  void tokenWhenPastItsExpiryThenExpired() {
    ActionLinks links = links(SigningSecrets.of(NEW));
    String token = ActionLinks.tokenOf(links.link(request, Verdict.APPROVE)).orElseThrow();

    clock.advance(Duration.ofHours(4).minusSeconds(1));
    assertThat(links.verify(token).isValid()).isTrue();
    clock.advance(Duration.ofSeconds(1));
    assertThat(links.verify(token)).isEqualTo(new ActionLinks.Invalid(ActionLinks.Problem.EXPIRED));
  }

  @Test
  void tokenWhenNotInTheDocumentedFormThenMalformed() {
    ActionLinks links = links(SigningSecrets.of(NEW));
    String good = ActionLinks.tokenOf(links.link(request, Verdict.APPROVE)).orElseThrow();

    for (String bad : new String[] {"", "v1", good.replaceFirst("v1", "v2"), good + ".x",
        good.replace(".approve.", ".yes."), good.replace(".approve.", ".APPROVE."), "v1.nothex.approve.1.abc", good + "=", "x".repeat(500),
        good.substring(0, good.lastIndexOf('.') + 1) + "!!!"}) {
      assertThat(links.verify(bad)).as(bad).isEqualTo(new ActionLinks.Invalid(ActionLinks.Problem.MALFORMED));
    }
  }

  @Test
  void tokenWhenSignedWithARotatedOutSecretThenAcceptedOnlyWhileItIsListed() {
    String token = ActionLinks.tokenOf(links(SigningSecrets.of(OLD)).link(request, Verdict.APPROVE)).orElseThrow();

    assertThat(links(SigningSecrets.of(NEW, OLD)).verify(token).isValid()).isTrue();
    assertThat(links(SigningSecrets.of(NEW)).verify(token))
        .isEqualTo(new ActionLinks.Invalid(ActionLinks.Problem.BAD_SIGNATURE));
  }

  @Test
  void linkWhenBaseUrlHasAQueryThenTokenAppended() {
    ActionLinks links = ActionLinks.builder().withBaseUri(URI.create("https://jit.example.com/d?tenant=eu"))
        .withSecrets(SigningSecrets.of(NEW)).withClock(clock).build();

    URI link = links.link(request, Verdict.APPROVE);

    assertThat(link.getRawQuery()).startsWith("tenant=eu&token=v1.");
    assertThat(links.verify(ActionLinks.tokenOf(link).orElseThrow()).isValid()).isTrue();
  }

  @Test
  void builderWhenBaseIsPlainHttpOrRequiredMissingThenRejected() {
    assertThatThrownBy(() -> ActionLinks.builder().withBaseUri(URI.create("http://jit.example.com/d")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("https");
    assertThatThrownBy(() -> ActionLinks.builder().withSecrets(SigningSecrets.of(NEW)).build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> ActionLinks.builder().withTimeToLive(Duration.ofSeconds(5)))
        .isInstanceOf(InvalidInputException.class);
    assertThat(links(SigningSecrets.of(NEW)).toString()).doesNotContain(NEW);
  }
}
