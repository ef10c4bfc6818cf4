package dev.jitguard;

import dev.jitguard.internal.util.Text;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where an approver's decision came from, as the channel reports it: the channel's name (for example {@code slack},
 * {@code webhook}, {@code console}) and how strongly that channel authenticated the approver (for example
 * {@code sso-mfa}, {@code sso}, {@code password}, {@code none}, or {@link #UNSPECIFIED} when the channel does not
 * say). Stored with the {@link Approval} and audited as the details {@code channel} and {@code authentication}.
 *
 * <p>Both values are what the channel <em>asserts</em>: JIT Guard records them, it does not verify them. Trust them as
 * far as you trust the channel (for a webhook, whoever holds its secret). Both are short lowercase tokens
 * ({@code [a-z][a-z0-9._-]*}, at most 64 characters), so they are safe to print and to query. Immutable.
 *
 * @param channel the channel's name
 * @param authentication how strongly the channel authenticated the approver
 */
public record ApprovalContext(String channel, String authentication) {
  /** The authentication value when the channel does not say. */
  public static final String UNSPECIFIED = "unspecified";

  private static final Pattern TOKEN = Pattern.compile("[a-z][a-z0-9._-]{0,63}");

  /**
   * Validates both tokens.
   *
   * @param channel see the record description
   * @param authentication see the record description
   * @throws InvalidInputException if a value is not a lowercase token
   */
  public ApprovalContext {
    check("channel", channel);
    check("authentication", authentication);
  }

  /**
   * A context with both values.
   *
   * @param channel the channel's name, for example {@code slack}
   * @param authentication how the channel authenticated the approver, for example {@code sso-mfa}
   * @return the context
   */
  public static ApprovalContext of(String channel, String authentication) {
    return new ApprovalContext(channel, authentication);
  }

  /**
   * A context for a channel that does not say how it authenticated the approver.
   *
   * @param channel the channel's name
   * @return the context, with authentication {@value #UNSPECIFIED}
   */
  public static ApprovalContext of(String channel) {
    return new ApprovalContext(channel, UNSPECIFIED);
  }

  private static void check(String field, String value) {
    Objects.requireNonNull(value, field + " cannot be null");
    if (!TOKEN.matcher(value).matches()) {
      throw new InvalidInputException(field, field + " must be a lowercase token [a-z][a-z0-9._-]* of at most 64 "
          + "characters, for example \"slack\" or \"sso-mfa\", but was " + Text.quote(value.length() > 80
              ? value.substring(0, 80) + "..." : value));
    }
  }
}
