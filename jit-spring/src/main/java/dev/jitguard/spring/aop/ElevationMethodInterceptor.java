package dev.jitguard.spring.aop;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequiredException;
import dev.jitguard.InvalidInputException;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.Subject;
import dev.jitguard.action.ActionBinding;
import dev.jitguard.action.CanonicalArguments;
import dev.jitguard.Amounts;
import dev.jitguard.spring.ActionPreviewRenderer;
import dev.jitguard.spring.ElevationCheckListener;
import dev.jitguard.spring.SubjectResolver;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enforces {@code @RequiresElevation}: before the method runs, resolves the current subject and asks the guard.
 * For {@code action = true} it binds the call ({@link ActionBinding}: action name
 * {@code <class simple name>.<method>}, the canonical digest of the arguments as they are now, the preview) and asks
 * {@link PrivilegeGuard#checkAction}, which consumes one use of an approval for exactly that call; a denial records
 * the binding with {@link ActionDenials} so that the 403 can say how to request approval for that call.
 * For a metered method ({@code amount = "..."}) it reads that argument as an exact {@link BigDecimal} and asks
 * {@link PrivilegeGuard#check(Subject, Privilege, BigDecimal)}, or for an action
 * {@link PrivilegeGuard#checkAction(Subject, Privilege, ActionBinding, BigDecimal)} with a binding over every other
 * argument; a null or negative amount throws {@link InvalidInputException} naming the parameter (the web layer
 * answers 400), before the guard is asked.
 * Granted: the call proceeds. Denied: {@link ElevationRequiredException} is thrown (or, for a method returning a
 * future, a failed {@link CompletableFuture} is returned), and the method body never runs, so no transaction is
 * opened when this interceptor is ordered before {@code @Transactional} (the default).
 *
 * <p>The allow path of a time-bound elevation allocates nothing: the attribute lookup is two map reads, the subject
 * is cached per authentication, the guard's check allocates nothing and the listener is told through a
 * pre-registered counter. (Metered and action calls allocate: they write to the store on every use.)
 * Collaborators are looked up on first use, so that the advisor can be created early (it is needed while beans are
 * post-processed) without creating the guard early. Thread-safe.
 */
public final class ElevationMethodInterceptor implements MethodInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(ElevationMethodInterceptor.class);

  private final ElevationAttributeResolver resolver;
  private final Supplier<PrivilegeGuard> guardSupplier;
  private final Supplier<SubjectResolver> subjectsSupplier;
  private final Supplier<ElevationCheckListener> listenerSupplier;
  private final Supplier<CanonicalArguments> encodingSupplier;
  private final Supplier<ActionPreviewRenderer> previewSupplier;
  private volatile @Nullable Collaborators collaborators;

  /**
   * Creates the interceptor.
   *
   * @param resolver finds the declaration for each method
   * @param guard the guard, looked up on first use
   * @param subjects who is calling, looked up on first use
   * @param listener told of each decision, looked up on first use
   */
  public ElevationMethodInterceptor(ElevationAttributeResolver resolver, Supplier<PrivilegeGuard> guard,
      Supplier<SubjectResolver> subjects, Supplier<ElevationCheckListener> listener) {
    this(resolver, guard, subjects, listener, CanonicalArguments::standard, () -> ActionPreviewRenderer.DEFAULT);
  }

  /**
   * Creates the interceptor, with the canonical encoding and preview renderer for {@code action = true} methods.
   *
   * @param resolver finds the declaration for each method
   * @param guard the guard, looked up on first use
   * @param subjects who is calling, looked up on first use
   * @param listener told of each decision, looked up on first use
   * @param encoding digests the arguments of action calls, looked up on first use
   * @param preview renders what approvers see, looked up on first use
   */
  public ElevationMethodInterceptor(ElevationAttributeResolver resolver, Supplier<PrivilegeGuard> guard,
      Supplier<SubjectResolver> subjects, Supplier<ElevationCheckListener> listener,
      Supplier<CanonicalArguments> encoding, Supplier<ActionPreviewRenderer> preview) {
    this.encodingSupplier = Objects.requireNonNull(encoding, "encoding cannot be null");
    this.previewSupplier = Objects.requireNonNull(preview, "preview cannot be null");
    this.resolver = Objects.requireNonNull(resolver, "resolver cannot be null");
    this.guardSupplier = Objects.requireNonNull(guard, "guard cannot be null");
    this.subjectsSupplier = Objects.requireNonNull(subjects, "subjects cannot be null");
    this.listenerSupplier = Objects.requireNonNull(listener, "listener cannot be null");
  }

  @Override
  public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
    Object target = invocation.getThis();
    ElevationAttribute attribute = resolver.resolve(invocation.getMethod(), target != null ? target.getClass() : null);
    ElevationAttribute.Kind kind = attribute.kind();
    if (kind == ElevationAttribute.Kind.NONE) {
      return invocation.proceed();
    }
    if (kind == ElevationAttribute.Kind.INVALID) {
      // Start-up verification rejects these; a call can still arrive from a bean it could not see. Fail closed.
      throw new IllegalStateException(attribute.problem());
    }
    Privilege privilege = attribute.privilege();
    BigDecimal amount = null;
    if (attribute.isMetered()) {
      try {
        amount = amount(attribute, invocation.getArguments());
      } catch (InvalidInputException e) {
        // A negative amount would refill the grant's budget: refused before the guard is asked or the method runs.
        if (kind == ElevationAttribute.Kind.FUTURE) {
          return CompletableFuture.failedFuture(e);
        }
        throw e;
      }
    }
    Collaborators c = collaborators();
    Subject subject = currentSubject(c.subjects);
    ActionBinding action = null;
    Decision decision;
    if (attribute.isAction()) {
      // The digest is taken from the arguments as they are now; what runs next is what was checked.
      action = binding(c, attribute, invocation);
      decision = subject == null ? attribute.noSubjectDenial() : amount == null
          ? c.guard.checkAction(subject, privilege, action) : c.guard.checkAction(subject, privilege, action, amount);
    } else if (amount == null) {
      decision = subject == null ? attribute.noSubjectDenial() : c.guard.check(subject, privilege);
    } else {
      decision = subject == null ? attribute.noSubjectDenial() : c.guard.check(subject, privilege, amount);
    }
    try {
      c.listener.onCheck(privilege, decision);
    } catch (RuntimeException e) {
      LOG.warn("an elevation check listener failed; the decision stands", e);
    }
    if (decision.isGranted()) {
      return invocation.proceed();
    }
    ElevationRequiredException denied = new ElevationRequiredException(decision);
    if (action != null || amount != null) {
      ActionDenials.record(denied, action, amount);
    }
    if (kind == ElevationAttribute.Kind.FUTURE) {
      return CompletableFuture.failedFuture(denied);
    }
    throw denied;
  }

  /**
   * The resolver this interceptor uses.
   *
   * @return the resolver
   */
  public ElevationAttributeResolver resolver() {
    return resolver;
  }

  /**
   * The amount argument of a metered call, exactly, as a {@link BigDecimal}.
   *
   * @throws InvalidInputException (field: the parameter name) if it is null, negative or out of range
   */
  private static BigDecimal amount(ElevationAttribute attribute, @Nullable Object[] args) {
    String name = Objects.requireNonNull(attribute.amountParameter());
    Object arg = args[attribute.amountIndex()];
    BigDecimal value;
    if (arg == null || arg instanceof BigDecimal) {
      value = (BigDecimal) arg;
    } else if (arg instanceof BigInteger i) {
      value = new BigDecimal(i);
    } else if (arg instanceof Long || arg instanceof Integer || arg instanceof Short) {
      value = BigDecimal.valueOf(((Number) arg).longValue());
    } else {
      // The resolver admits only the types above; fail closed if a call still brings another.
      throw new IllegalStateException("the amount parameter '" + name + "' of " + attribute.source() + " holds a "
          + arg.getClass().getName() + ", which is not an amount");
    }
    return Amounts.callAmount(name, value);
  }

  private static ActionBinding binding(Collaborators c, ElevationAttribute attribute, MethodInvocation invocation) {
    String name = Objects.requireNonNull(attribute.actionName());
    List<@Nullable Object> args = Arrays.asList(withoutAmount(attribute, invocation.getArguments()));
    ActionBinding standard = ActionBinding.of(name, c.encoding, args);
    String preview = c.preview.preview(name, invocation.getMethod(), Collections.unmodifiableList(args));
    return preview == null ? standard : standard.withPreview(preview);
  }

  /**
   * A copy of the arguments; for a metered action without the amount, which each use passes separately (one approval
   * covers calls with different amounts up to the approved total).
   */
  private static @Nullable Object[] withoutAmount(ElevationAttribute attribute, @Nullable Object[] args) {
    int skip = attribute.amountIndex();
    if (skip < 0) {
      return args.clone();
    }
    @Nullable Object[] rest = new Object[args.length - 1];
    System.arraycopy(args, 0, rest, 0, skip);
    System.arraycopy(args, skip + 1, rest, skip, args.length - skip - 1);
    return rest;
  }

  private static @Nullable Subject currentSubject(SubjectResolver subjects) {
    try {
      return subjects.currentSubject();
    } catch (RuntimeException e) {
      LOG.warn("the subject resolver failed; treating the caller as unauthenticated (denied)", e);
      return null;
    }
  }

  private Collaborators collaborators() {
    Collaborators c = collaborators;
    if (c == null) {
      c = new Collaborators(Objects.requireNonNull(guardSupplier.get(), "no PrivilegeGuard"),
          Objects.requireNonNull(subjectsSupplier.get(), "no SubjectResolver"),
          Objects.requireNonNull(listenerSupplier.get(), "no ElevationCheckListener"),
          Objects.requireNonNull(encodingSupplier.get(), "no CanonicalArguments"),
          Objects.requireNonNull(previewSupplier.get(), "no ActionPreviewRenderer"));
      collaborators = c;
    }
    return c;
  }

  private record Collaborators(PrivilegeGuard guard, SubjectResolver subjects, ElevationCheckListener listener,
      CanonicalArguments encoding, ActionPreviewRenderer preview) { }
}
