package dev.jitguard;

import dev.jitguard.internal.util.Ids;
import dev.jitguard.internal.util.Text;
import java.util.Objects;

/**
 * The id of a grant: 128 random bits from a {@link java.security.SecureRandom}, written as 32 lowercase hex
 * characters. Ids are unguessable, so holding one proves nothing by itself: every operation on an id still checks who
 * is asking.
 *
 * @param value the 32-character hex form
 */
public record GrantId(String value) {
  /**
   * Validates the id.
   *
   * @param value see the record description
   * @throws InvalidInputException if the value is not 32 lowercase hex characters
   */
  public GrantId {
    Objects.requireNonNull(value, "grantId cannot be null");
    if (!Ids.isValid(value)) {
      throw new InvalidInputException("grantId", "grantId " + Text.quote(value.length() > 64 ? value.substring(0, 64) + "..." : value)
          + " is not a grant id; ids are 32 lowercase hex characters as returned by JIT Guard");
    }
  }

  /**
   * Parses an id, for example from a URL.
   *
   * @param value the 32-character hex form
   * @return the id
   * @throws InvalidInputException if the value is malformed
   */
  public static GrantId of(String value) {
    return new GrantId(value);
  }

  /**
   * A new random id.
   *
   * @return the id
   */
  public static GrantId random() {
    return new GrantId(Ids.random128());
  }

  @Override
  public String toString() {
    return value;
  }
}
