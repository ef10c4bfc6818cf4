package dev.jitguard.action;

import dev.jitguard.InvalidInputException;
import dev.jitguard.internal.util.Text;
import java.util.List;
import java.util.Objects;

/**
 * One exact operation: a stable action name, the digest of its canonical arguments, and the preview the approver
 * sees. A grant produced for an action can only be used for this action with these arguments, by the subject who
 * asked.
 *
 * @param action a stable name such as {@code customers.erase} or {@code CustomerService.eraseCustomer} (1 to 200
 *     printable characters)
 * @param argumentDigest SHA-256 of the canonical arguments, 64 lowercase hex characters
 * @param preview what the approver sees (printable text, at most 2000 characters; escaped wherever printed)
 */
public record ActionBinding(String action, String argumentDigest, String preview) {
  /**
   * Validates.
   *
   * @param action see the record description
   * @param argumentDigest see the record description
   * @param preview see the record description
   * @throws InvalidInputException if a field is malformed
   */
  public ActionBinding {
    Objects.requireNonNull(action, "action cannot be null");
    Objects.requireNonNull(argumentDigest, "argumentDigest cannot be null");
    Objects.requireNonNull(preview, "preview cannot be null");
    Text.token("action", action, 200);
    if (!argumentDigest.matches("[0-9a-f]{64}")) {
      throw new InvalidInputException("argumentDigest", "argumentDigest must be 64 lowercase hex characters (a "
          + "SHA-256 from CanonicalArguments), but was " + Text.quote(argumentDigest.length() > 80
              ? argumentDigest.substring(0, 80) + "..." : argumentDigest));
    }
    Text.freeText("preview", preview);
  }

  /**
   * Binds an action to its arguments with the standard encoding and a default preview listing them.
   *
   * @param action the action name
   * @param arguments the arguments, in order
   * @return the binding
   * @throws UnsupportedArgumentException if an argument cannot be encoded
   * @throws InvalidInputException if the action name is malformed
   */
  public static ActionBinding of(String action, Object... arguments) {
    Objects.requireNonNull(action, "action cannot be null");
    Objects.requireNonNull(arguments, "arguments cannot be null");
    return of(action, CanonicalArguments.standard(), java.util.Arrays.asList(arguments.clone()));
  }

  /**
   * Binds an action to its arguments with a given encoder and a default preview listing them.
   *
   * @param action the action name
   * @param encoding the canonical encoder
   * @param arguments the arguments, in order (nulls allowed)
   * @return the binding
   * @throws UnsupportedArgumentException if an argument cannot be encoded
   * @throws InvalidInputException if the action name is malformed
   */
  public static ActionBinding of(String action, CanonicalArguments encoding, List<?> arguments) {
    Objects.requireNonNull(action, "action cannot be null");
    Objects.requireNonNull(encoding, "encoding cannot be null");
    Objects.requireNonNull(arguments, "arguments cannot be null");
    // The action name first, so that a bad one is reported as such rather than as a bad preview.
    Text.token("action", action, 200);
    String digest = encoding.digest(arguments);
    StringBuilder preview = new StringBuilder(action).append('(');
    for (int i = 0; i < arguments.size(); i++) {
      preview.append(i == 0 ? "" : ", ");
      // The default preview shows each argument as text; a NUL (valid in an argument, never in a preview) is shown
      // as its escape, so that arguments the digest accepts always give a preview.
      preview.append(String.valueOf(arguments.get(i)).replace("\0", "\\u0000"));
    }
    String p = preview.append(')').toString();
    if (p.length() > 2000) {
      int end = Character.isHighSurrogate(p.charAt(1996)) ? 1996 : 1997; // never split a surrogate pair
      p = p.substring(0, end) + "...";
    }
    return new ActionBinding(action, digest, p);
  }

  /**
   * The same binding with another preview (a domain-specific rendering for the approver).
   *
   * @param preview the preview
   * @return a new binding
   */
  public ActionBinding withPreview(String preview) {
    return new ActionBinding(action, argumentDigest, preview);
  }

  /**
   * Whether another binding is the same call: same action and same argument digest (the preview does not count).
   *
   * @param other the other binding
   * @return true for the same call
   */
  public boolean sameCall(ActionBinding other) {
    Objects.requireNonNull(other, "other cannot be null");
    return action.equals(other.action) && argumentDigest.equals(other.argumentDigest);
  }
}
