package dev.jitguard.approval;

import dev.jitguard.InvalidInputException;
import dev.jitguard.internal.util.Text;
import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/** Validation and log-safe rendering of the URLs JIT Guard sends to or links to. */
final class Endpoints {
  private Endpoints() {}

  /**
   * Accepts absolute {@code https} URLs, and {@code http} only on a loopback host (127.0.0.0/8, {@code ::1},
   * {@code localhost}) for tests and local relays. No user info (credentials in URLs end up in logs) and no fragment.
   */
  static URI check(String field, URI uri) {
    Objects.requireNonNull(uri, field + " cannot be null");
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost();
    if (!uri.isAbsolute() || uri.isOpaque() || host == null || host.isEmpty()) {
      throw new InvalidInputException(field, field + " must be an absolute URL with a host, like "
          + "https://approvals.example.com/jit, but was " + Text.quote(redact(uri)));
    }
    if (uri.getRawUserInfo() != null) {
      throw new InvalidInputException(field, field + " must not carry credentials (user info) in the URL; "
          + "the requests are authenticated by their HMAC signature");
    }
    if (uri.getRawFragment() != null) {
      throw new InvalidInputException(field, field + " must not have a fragment (#...), but was "
          + Text.quote(redact(uri)));
    }
    if (scheme.equals("https")) {
      return uri;
    }
    if (scheme.equals("http") && isLoopback(host)) {
      return uri;
    }
    throw new InvalidInputException(field, field + " must use https (http is accepted only on a loopback host "
        + "such as 127.0.0.1, for tests), but was " + Text.quote(redact(uri)));
  }

  static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.equals("localhost") || h.equals("[::1]") || h.equals("::1")) {
      return true;
    }
    String[] parts = h.split("\\.", -1);
    if (parts.length != 4 || !parts[0].equals("127")) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')
          || Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return true;
  }

  /** Scheme, host and port only: paths and queries may hold secrets (Slack webhook URLs do). */
  static String redact(URI uri) {
    String scheme = uri.getScheme() == null ? "?" : uri.getScheme();
    String host = uri.getHost() == null ? "?" : uri.getHost();
    return scheme + "://" + host + (uri.getPort() >= 0 ? ":" + uri.getPort() : "") + "/...";
  }
}
