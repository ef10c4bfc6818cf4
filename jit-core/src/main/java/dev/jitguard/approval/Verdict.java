package dev.jitguard.approval;

import java.util.Optional;

/** What an approver decided through a channel: approve or deny. */
public enum Verdict {
  /** Approve the request ({@link dev.jitguard.PrivilegeGuard#approve}). */
  APPROVE("approve"),
  /** Deny the request ({@link dev.jitguard.PrivilegeGuard#deny}). */
  DENY("deny");

  private final String wireName;

  Verdict(String wireName) {
    this.wireName = wireName;
  }

  /** @return the name on the wire: {@code approve} or {@code deny} */
  public String wireName() {
    return wireName;
  }

  /**
   * Parses the wire name, exactly (lowercase).
   *
   * @param wireName {@code approve} or {@code deny}
   * @return the verdict, or empty for anything else
   */
  public static Optional<Verdict> parse(String wireName) {
    for (Verdict v : values()) {
      if (v.wireName.equals(wireName)) {
        return Optional.of(v);
      }
    }
    return Optional.empty();
  }
}
