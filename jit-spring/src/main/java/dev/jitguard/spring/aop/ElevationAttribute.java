package dev.jitguard.spring.aop;

import dev.jitguard.Decision;
import dev.jitguard.Privilege;
import dev.jitguard.spring.ElevationChecks;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What {@code @RequiresElevation} means for one method of one target class, as resolved once by
 * {@link ElevationAttributeResolver} and cached: not guarded, guarded (synchronously or through a returned future;
 * bound to the call's arguments for action approval; spending the amount of one parameter when metered), or a
 * declaration that cannot be enforced (which fails the application at start-up and denies if ever reached).
 * Immutable.
 */
public final class ElevationAttribute {

  /** How a guarded call is enforced. */
  public enum Kind {
    /** Not guarded. */
    NONE,
    /** Checked before the call; a denial throws. */
    SYNC,
    /** Checked before the call; a denial returns a failed {@link java.util.concurrent.CompletableFuture}. */
    FUTURE,
    /** A declaration that cannot be enforced; start-up fails, and a call that still arrives is refused. */
    INVALID
  }

  static final ElevationAttribute NONE = new ElevationAttribute(Kind.NONE, null, "", null, null, -1, null);

  private final Kind kind;
  private final @Nullable Privilege privilege;
  private final String source;
  private final @Nullable String problem;
  private final Decision.@Nullable Denied noSubject;
  private final @Nullable String actionName;
  private final int amountIndex;
  private final @Nullable String amountParameter;

  private ElevationAttribute(Kind kind, @Nullable Privilege privilege, String source, @Nullable String problem,
      @Nullable String actionName, int amountIndex, @Nullable String amountParameter) {
    this.kind = kind;
    this.actionName = actionName;
    this.amountIndex = amountIndex;
    this.amountParameter = amountParameter;
    this.privilege = privilege;
    this.source = source;
    this.problem = problem;
    this.noSubject = privilege == null ? null : ElevationChecks.noSubject(privilege);
  }

  static ElevationAttribute guarded(Privilege privilege, boolean future, String source,
      @Nullable String actionName) {
    return guarded(privilege, future, source, actionName, -1, null);
  }

  static ElevationAttribute guarded(Privilege privilege, boolean future, String source,
      @Nullable String actionName, int amountIndex, @Nullable String amountParameter) {
    if ((amountIndex < 0) != (amountParameter == null)) {
      throw new IllegalArgumentException("amountIndex and amountParameter go together");
    }
    return new ElevationAttribute(future ? Kind.FUTURE : Kind.SYNC, Objects.requireNonNull(privilege), source, null,
        actionName, amountIndex, amountParameter);
  }

  static ElevationAttribute invalid(@Nullable Privilege privilege, String source, String problem) {
    return new ElevationAttribute(Kind.INVALID, privilege, source, problem, null, -1, null);
  }

  /**
   * Whether each call spends an amount ({@code @RequiresElevation(amount = ...)}): the interceptor checks with the
   * argument at {@link #amountIndex()}.
   *
   * @return true for a metered method
   */
  public boolean isMetered() {
    return amountIndex >= 0;
  }

  /** @return the position of the amount parameter, or -1 when not {@link #isMetered()} */
  public int amountIndex() {
    return amountIndex;
  }

  /** @return the name of the amount parameter, or null when not {@link #isMetered()} */
  public @Nullable String amountParameter() {
    return amountParameter;
  }

  /** @return true for {@code action = true}: each call needs its own approval, bound to its arguments */
  public boolean isAction() {
    return actionName != null;
  }

  /**
   * The action name of an action-approval method: {@code <simple name of the target class>.<method name>}, such as
   * {@code CustomerService.erase}; stable across restarts and instances, independent of proxies.
   *
   * @return the action name, or null when not {@link #isAction()}
   */
  public @Nullable String actionName() {
    return actionName;
  }

  /** @return how the call is enforced */
  public Kind kind() {
    return kind;
  }

  /** @return true unless {@link Kind#NONE} */
  public boolean isGuarded() {
    return kind != Kind.NONE;
  }

  /** @return the privilege required, when known */
  public @Nullable Privilege privilege() {
    return privilege;
  }

  /** @return where the declaration was found, for example {@code method PaymentService.refund(Order)} */
  public String source() {
    return source;
  }

  /** @return why the declaration cannot be enforced ({@link Kind#INVALID} only) */
  public @Nullable String problem() {
    return problem;
  }

  /** The prebuilt denial for a call with nobody authenticated (no allocation on that path). */
  Decision.@Nullable Denied noSubjectDenial() {
    return noSubject;
  }

  @Override
  public String toString() {
    return "ElevationAttribute[" + kind + (privilege != null ? ", " + privilege : "")
        + (actionName != null ? ", action " + actionName : "")
        + (amountParameter != null ? ", amount " + amountParameter : "")
        + (source.isEmpty() ? "" : ", from " + source) + (problem != null ? ", problem=" + problem : "") + "]";
  }
}
