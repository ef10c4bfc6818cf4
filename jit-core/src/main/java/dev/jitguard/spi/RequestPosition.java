package dev.jitguard.spi;

import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;

/**
 * Where a request stands in the order of the paged listings of {@link GrantStore}: by creation time, then by id. A
 * listing given a position returns only the requests strictly after it, so paging by the last position read returns
 * every request once, whatever is inserted meanwhile.
 *
 * @param createdAt the request's creation time
 * @param id the request's id
 */
public record RequestPosition(Instant createdAt, RequestId id) implements Comparable<RequestPosition> {
  private static final Comparator<RequestPosition> ORDER = Comparator.comparing(RequestPosition::createdAt)
      .thenComparing(p -> p.id().value());

  /**
   * Checks the parts.
   *
   * @param createdAt see the record description
   * @param id see the record description
   */
  public RequestPosition {
    Objects.requireNonNull(createdAt, "createdAt cannot be null");
    Objects.requireNonNull(id, "id cannot be null");
  }

  /**
   * The position of a request.
   *
   * @param request the request
   * @return its position
   */
  public static RequestPosition of(RequestRecord request) {
    return new RequestPosition(request.createdAt(), request.id());
  }

  /**
   * Whether this position comes after another.
   *
   * @param other the other position, or null (the start: every position is after it)
   * @return true if strictly after
   */
  public boolean isAfter(@org.jspecify.annotations.Nullable RequestPosition other) {
    return other == null || compareTo(other) > 0;
  }

  @Override
  public int compareTo(RequestPosition o) {
    return ORDER.compare(this, o);
  }
}
