package dev.jitguard.internal.util;

import java.security.SecureRandom;
import java.util.HexFormat;

/** 128-bit random identifiers from a {@link SecureRandom}, as 32 lowercase hex characters. */
public final class Ids {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();

  private Ids() {}

  /**
   * A new random id.
   *
   * @return 32 lowercase hex characters (128 random bits)
   */
  public static String random128() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return HEX.formatHex(bytes);
  }

  /**
   * Whether a string has the shape of an id made by {@link #random128()}.
   *
   * @param s the string
   * @return true for exactly 32 lowercase hex characters
   */
  public static boolean isValid(String s) {
    if (s.length() != 32) {
      return false;
    }
    for (int i = 0; i < 32; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }
}
