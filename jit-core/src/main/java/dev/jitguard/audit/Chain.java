package dev.jitguard.audit;

import dev.jitguard.internal.util.Text;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/** The hash chain's primitives: SHA-256 over a record's canonical bytes, hex form, the genesis value, id grammar. */
final class Chain {
  /** The {@code prev} of the first record (seq 1): 64 zeros. */
  static final String GENESIS = "0".repeat(64);

  private static final HexFormat HEX = HexFormat.of();
  private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}");

  private Chain() {}

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256, which every Java SE platform must provide", e);
    }
  }

  /** Hash of {@code len} bytes of {@code bytes} from {@code off}, in lowercase hex. */
  static String hash(MessageDigest sha, byte[] bytes, int off, int len) {
    sha.reset();
    sha.update(bytes, off, len);
    return HEX.formatHex(sha.digest());
  }

  static String hex(byte[] bytes) {
    return HEX.formatHex(bytes);
  }

  static boolean isHash(String s) {
    return HASH.matcher(s).matches();
  }

  static boolean isId(String s) {
    return ID.matcher(s).matches();
  }

  /** Checks a log id or key id: 1 to 64 characters of {@code A-Z a-z 0-9 . _ : -}, starting with a letter or digit. */
  static String requireId(String field, String value) {
    if (!isId(value)) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "%s must be 1 to 64 characters of A-Z, a-z, "
          + "0-9, '.', '_', ':' or '-', starting with a letter or digit, but was %s", field, Text.quote(
              value.length() > 80 ? value.substring(0, 80) + "..." : value)));
    }
    return value;
  }
}
