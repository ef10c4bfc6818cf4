package dev.jitguard;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One approver's approval (or, in {@link RequestRecord#denials()}, denial) of a request.
 *
 * @param approver the approver's canonical subject id
 * @param approvedAt when
 * @param comment the approver's comment, verbatim (empty if none)
 * @param groups the approver's canonical groups at that moment, so stages can be re-evaluated
 * @param durationLimit a shorter duration the approver imposed, or null
 * @param channelContext the channel the decision came through and how it authenticated the approver, or null when
 *     the decision was made in-process without saying (see {@link PrivilegeGuard#approve(RequestId, Subject, String,
 *     Duration, ApprovalContext)})
 */
public record Approval(String approver, Instant approvedAt, String comment, Set<String> groups,
    @Nullable Duration durationLimit, @Nullable ApprovalContext channelContext) {
  /**
   * Rejects nulls and copies the groups.
   *
   * @param approver see the record description
   * @param approvedAt see the record description
   * @param comment see the record description
   * @param groups see the record description
   * @param durationLimit see the record description
   * @param channelContext see the record description
   */
  public Approval {
    Objects.requireNonNull(approver, "approver cannot be null");
    Objects.requireNonNull(approvedAt, "approvedAt cannot be null");
    Objects.requireNonNull(comment, "comment cannot be null");
    groups = Set.copyOf(Objects.requireNonNull(groups, "groups cannot be null"));
  }

  /**
   * An approval without a channel context (the form before channels were recorded).
   *
   * @param approver canonical id
   * @param approvedAt when
   * @param comment comment
   * @param groups the approver's groups
   * @param durationLimit a shorter duration the approver imposed, or null
   */
  public Approval(String approver, Instant approvedAt, String comment, Set<String> groups,
      @Nullable Duration durationLimit) {
    this(approver, approvedAt, comment, groups, durationLimit, null);
  }

  /**
   * An approval with no recorded groups and no duration limit.
   *
   * @param approver canonical id
   * @param approvedAt when
   * @param comment comment
   */
  public Approval(String approver, Instant approvedAt, String comment) {
    this(approver, approvedAt, comment, Set.of(), null, null);
  }

  /** @return the shorter duration the approver imposed, if any */
  public Optional<Duration> limit() {
    return Optional.ofNullable(durationLimit);
  }

  /** @return the channel the decision came through and how it authenticated the approver, if the channel said */
  public Optional<ApprovalContext> context() {
    return Optional.ofNullable(channelContext);
  }
}
