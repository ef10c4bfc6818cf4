package dev.jitguard.spring.aop;

import dev.jitguard.InvalidInputException;
import dev.jitguard.Privilege;
import dev.jitguard.annotation.RequiresElevation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.KotlinDetector;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.core.annotation.RepeatableContainers;
import org.springframework.util.ClassUtils;

/**
 * Finds the {@link RequiresElevation} that applies to a method invoked on a target class. Annotation discovery is a
 * security boundary (Spring Security CVE-2025-41248, CVE-2025-22223, CVE-2025-41232 were misses of exactly this
 * kind), so the rules are explicit and every ambiguity is an error, never a guess:
 *
 * <ol>
 *   <li>The invoked method is mapped to the most specific method of the target class, and bridge methods to the
 *       method they bridge (generic interfaces and superclasses).</li>
 *   <li>An annotation (or a meta-annotation carrying it) on that method, when the target class itself declares it,
 *       applies.</li>
 *   <li>Otherwise every declaration on the methods it overrides or implements (superclasses, generic superclasses,
 *       interfaces, generic interfaces, at any depth) is collected; they must all name the same privilege, or the
 *       declaration is ambiguous.</li>
 *   <li>Without a method-level declaration, a type-level one applies to public instance methods: on the target class
 *       itself, else collected from its superclasses and interfaces, which again must agree. Methods of
 *       {@link Object} and of Spring's own interfaces ({@code Ordered}, {@code InitializingBean}, ...) are never
 *       guarded by a type-level declaration.</li>
 * </ol>
 *
 * <p>A declaration that cannot be enforced resolves to {@link ElevationAttribute.Kind#INVALID} with a message naming
 * the method: a malformed privilege, a private or
 * static method, a reactive return type, an {@code amount} that names no parameter or a parameter that cannot hold an
 * exact amount. Results are cached per method and target class. Thread-safe.
 *
 * <p>The {@code amount} parameter is found by name, with Spring's {@link DefaultParameterNameDiscoverer}: the names
 * javac records with {@code -parameters} (Spring Boot's build plugins set it; so does JIT Guard's build), or Kotlin's
 * reflection. Names are read from the method that carries the declaration (an interface method, say), and the
 * position is the same in the implementation. Without recorded names the declaration is refused, never guessed.
 */
public final class ElevationAttributeResolver {
  private static final String PUBLISHER = "org.reactivestreams.Publisher";
  private static final ParameterNameDiscoverer NAMES = new DefaultParameterNameDiscoverer();
  /** Types an amount parameter may have: exact decimals and whole numbers (which count minor units, such as cents). */
  private static final Set<Class<?>> AMOUNT_TYPES = Set.of(BigDecimal.class, BigInteger.class, long.class,
      Long.class, int.class, Integer.class, short.class, Short.class);

  private final ConcurrentHashMap<Method, PerMethod> cache = new ConcurrentHashMap<>();

  /**
   * The attribute for a method invoked on a target class. The hot path: one map lookup and a reference comparison
   * (a method is usually invoked on one target class), no allocation once cached.
   *
   * @param method the invoked method (possibly an interface or bridge method)
   * @param targetClass the class of the target object, or null if unknown
   * @return the attribute, {@link ElevationAttribute.Kind#NONE} when not guarded
   */
  public ElevationAttribute resolve(Method method, @Nullable Class<?> targetClass) {
    Class<?> key = targetClass != null ? targetClass : method.getDeclaringClass();
    PerMethod entry = cache.get(method);
    if (entry != null) {
      if (entry.firstClass == key) {
        return entry.first;
      }
      ElevationAttribute other = entry.others.get(key);
      if (other != null) {
        return other;
      }
      ElevationAttribute computed = compute(method, key);
      ElevationAttribute raced = entry.others.putIfAbsent(key, computed);
      return raced != null ? raced : computed;
    }
    ElevationAttribute computed = compute(method, key);
    PerMethod raced = cache.putIfAbsent(method, new PerMethod(key, computed));
    return raced == null ? computed : resolve(method, targetClass);
  }

  /** The attribute for the first target class seen, and a map for any other. */
  private static final class PerMethod {
    final Class<?> firstClass;
    final ElevationAttribute first;
    final ConcurrentHashMap<Class<?>, ElevationAttribute> others = new ConcurrentHashMap<>(2);

    PerMethod(Class<?> firstClass, ElevationAttribute first) {
      this.firstClass = firstClass;
      this.first = first;
    }
  }

  /**
   * Whether the element itself carries {@code @RequiresElevation}, directly or as a meta-annotation.
   *
   * @param element a method or type
   * @return true if declared there
   */
  static boolean isDeclaredOn(AnnotatedElement element) {
    return MergedAnnotations.from(element, SearchStrategy.DIRECT, RepeatableContainers.none())
        .isPresent(RequiresElevation.class);
  }

  private ElevationAttribute compute(Method invoked, Class<?> targetClass) {
    Class<?> userClass = ClassUtils.getUserClass(targetClass);
    Method specific = ClassUtils.getMostSpecificMethod(invoked, userClass);
    if (specific.isBridge()) {
      specific = BridgeMethodResolver.findBridgedMethod(specific);
    }
    List<Found> found = specific.getDeclaringClass() == userClass
        ? direct(specific, specific, "method " + describe(specific)) : List.of();
    if (found.isEmpty()) {
      found = inheritedMethodDeclarations(specific, userClass, invoked);
    }
    if (!found.isEmpty()) {
      return decide(found, specific, true, userClass);
    }
    if (!typeLevelApplies(specific, userClass)) {
      return ElevationAttribute.NONE;
    }
    found = direct(userClass, null, "type " + userClass.getName());
    if (found.isEmpty()) {
      found = new ArrayList<>();
      for (Class<?> type : supertypes(userClass)) {
        found.addAll(direct(type, null, "type " + type.getName()));
      }
    }
    return found.isEmpty() ? ElevationAttribute.NONE : decide(found, specific, false, userClass);
  }

  /** Declarations on every method that {@code specific} overrides or implements, at any depth. */
  private static List<Found> inheritedMethodDeclarations(Method specific, Class<?> userClass, Method invoked) {
    Set<Class<?>> types = new LinkedHashSet<>(supertypes(userClass));
    types.add(specific.getDeclaringClass());
    types.add(invoked.getDeclaringClass());
    List<Found> out = new ArrayList<>();
    for (Class<?> type : types) {
      if (type == Object.class) {
        continue;
      }
      for (Method candidate : type.getDeclaredMethods()) {
        if (candidate.isBridge() || candidate.isSynthetic()) {
          continue;
        }
        if (candidate.equals(specific) || overrides(specific, candidate, userClass)) {
          out.addAll(direct(candidate, candidate, "method " + describe(candidate)));
        }
      }
    }
    return out;
  }

  /** Whether {@code specific} overrides or implements {@code candidate}, resolving generics against the target. */
  private static boolean overrides(Method specific, Method candidate, Class<?> userClass) {
    int mods = candidate.getModifiers();
    if (Modifier.isPrivate(mods) || Modifier.isStatic(mods)
        || !candidate.getName().equals(specific.getName())
        || candidate.getParameterCount() != specific.getParameterCount()
        || !candidate.getDeclaringClass().isAssignableFrom(userClass)) {
      return false;
    }
    Class<?>[] want = specific.getParameterTypes();
    Class<?>[] have = candidate.getParameterTypes();
    boolean same = true;
    for (int i = 0; i < want.length; i++) {
      if (want[i] != have[i]) {
        same = false;
        break;
      }
    }
    if (same) {
      return true;
    }
    // Generic parameters: compare both signatures as seen from the target class, so that Base<T>.m(T) and
    // Api.m(String) match in a class extending Base<String> whichever of the two is the implementation.
    for (int i = 0; i < want.length; i++) {
      Class<?> mine = ResolvableType.forMethodParameter(specific, i, userClass).resolve(want[i]);
      Class<?> theirs = ResolvableType.forMethodParameter(candidate, i, userClass).resolve(have[i]);
      if (mine != theirs) {
        return false;
      }
    }
    return true;
  }

  /** Superclasses (up to, excluding, Object) and every interface, nearest first. */
  private static List<Class<?>> supertypes(Class<?> type) {
    Set<Class<?>> out = new LinkedHashSet<>();
    for (Class<?> c = type.getSuperclass(); c != null && c != Object.class; c = c.getSuperclass()) {
      out.add(c);
    }
    out.addAll(ClassUtils.getAllInterfacesForClassAsSet(type));
    return new ArrayList<>(out);
  }

  /** Type-level declarations cover public instance methods, never Object's or Spring's own callbacks. */
  private static boolean typeLevelApplies(Method m, Class<?> userClass) {
    int mods = m.getModifiers();
    if (!Modifier.isPublic(mods) || Modifier.isStatic(mods) || m.isSynthetic()) {
      return false;
    }
    if (m.getDeclaringClass() == Object.class || declares(Object.class, m)) {
      return false;
    }
    for (Class<?> type : supertypes(userClass)) {
      if (type.getName().startsWith("org.springframework.") && declares(type, m)) {
        return false;
      }
    }
    return !m.getDeclaringClass().getName().startsWith("org.springframework.");
  }

  private static boolean declares(Class<?> type, Method m) {
    try {
      type.getDeclaredMethod(m.getName(), m.getParameterTypes());
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  /**
   * The declarations directly on an element.
   *
   * @param method the element when it is a method (its parameter names are the ones {@code amount} refers to), null
   *     for a type
   */
  private static List<Found> direct(AnnotatedElement element, @Nullable Method method, String where) {
    List<Found> out = new ArrayList<>();
    MergedAnnotations.from(element, SearchStrategy.DIRECT, RepeatableContainers.none())
        .stream(RequiresElevation.class)
        .forEach(a -> out.add(found(a, method, where)));
    return out;
  }

  private static Found found(MergedAnnotation<RequiresElevation> a, @Nullable Method method, String where) {
    String via = a.getDistance() > 0 ? " (through @" + a.getRoot().getType().getSimpleName() + ")" : "";
    return new Found(a.getString("value"), a.getBoolean("action"), a.getString("amount"), method, where + via);
  }

  private static ElevationAttribute decide(List<Found> found, Method m, boolean methodLevel,
      Class<?> userClass) {
    Map<String, Found> distinct = new LinkedHashMap<>();
    for (Found f : found) {
      distinct.putIfAbsent(f.value + "|" + f.action + "|" + f.amount, f);
    }
    Found first = found.get(0);
    String where = describe(m);
    if (distinct.size() > 1) {
      StringJoiner all = new StringJoiner("; ");
      for (Found f : found) {
        all.add(f.describe() + " on " + f.where);
      }
      return ElevationAttribute.invalid(null, first.where, "@RequiresElevation for " + where + " is ambiguous: "
          + all + ". Declare @RequiresElevation once on " + m.getDeclaringClass().getName() + "." + m.getName()
          + " itself (or make the inherited declarations agree) so that it is clear which privilege applies");
    }
    Privilege privilege;
    try {
      privilege = Privilege.of(first.value);
    } catch (InvalidInputException e) {
      return ElevationAttribute.invalid(null, first.where, "@RequiresElevation on " + where + " names an invalid "
          + "privilege: " + e.getMessage());
    }
    int mods = m.getModifiers();
    if (methodLevel && Modifier.isPrivate(mods)) {
      return ElevationAttribute.invalid(privilege, first.where, notInterceptable(where, "private", privilege));
    }
    if (methodLevel && Modifier.isStatic(mods)) {
      return ElevationAttribute.invalid(privilege, first.where, notInterceptable(where, "static", privilege));
    }
    String async = returnTypeProblem(m);
    if (async != null) {
      return ElevationAttribute.invalid(privilege, first.where, "@RequiresElevation on " + where + " " + async);
    }
    Class<?> rt = m.getReturnType();
    boolean future = Future.class.isAssignableFrom(rt) || CompletionStage.class.isAssignableFrom(rt);
    String actionName = null;
    if (first.action) {
      String simple = userClass.getSimpleName().isEmpty() ? userClass.getName() : userClass.getSimpleName();
      actionName = simple + "." + m.getName();
    }
    if (first.amount.isEmpty()) {
      return ElevationAttribute.guarded(privilege, future, first.where, actionName);
    }
    int index = -1;
    for (Found f : found) {
      Method named = f.method != null ? f.method : m;
      int i;
      try {
        i = amountIndex(f, named, where);
      } catch (AmountProblem e) {
        return ElevationAttribute.invalid(privilege, f.where, e.getMessage());
      }
      if (index >= 0 && i != index) {
        return ElevationAttribute.invalid(privilege, f.where, f.describe() + " on " + where + " is ambiguous: the "
            + "inherited declarations name parameter '" + f.amount + "' at different positions (" + (index + 1)
            + " and " + (i + 1) + "). Declare @RequiresElevation once on " + m.getDeclaringClass().getName() + "."
            + m.getName() + " itself so that it is clear which argument is the amount");
      }
      index = i;
    }
    Class<?> type = ResolvableType.forMethodParameter(m, index, userClass).resolve(m.getParameterTypes()[index]);
    if (!AMOUNT_TYPES.contains(type)) {
      return ElevationAttribute.invalid(privilege, first.where, first.describe() + " on " + where + ": parameter '"
          + first.amount + "' is " + amountTypeProblem(type) + "; use BigDecimal (or long, int, short or BigInteger "
          + "for whole units such as cents), so that the grant's total is counted exactly");
    }
    return ElevationAttribute.guarded(privilege, future, first.where, actionName, index, first.amount);
  }

  /** The position of the parameter a declaration names as its amount, read from the method that carries it. */
  private static int amountIndex(Found f, Method named, String where) throws AmountProblem {
    String[] names = NAMES.getParameterNames(named);
    if (names == null) {
      throw new AmountProblem(f.describe() + " on " + where + " names parameter '" + f.amount + "', but the "
          + "parameter names of " + describe(named) + " are not in its class file. Compile it with -parameters "
          + "(Maven: <parameters>true</parameters> in maven-compiler-plugin; Gradle: options.compilerArgs << "
          + "'-parameters'); JIT Guard never guesses which argument is the amount");
    }
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(f.amount)) {
        return i;
      }
    }
    String of = describe(named).equals(where) ? "" : " of " + describe(named);
    throw new AmountProblem(f.describe() + " on " + where + " names no parameter" + of + ": there is no parameter '"
        + f.amount + "' among " + Arrays.toString(names) + ". Name the parameter that holds the amount the call "
        + "spends");
  }

  private static String amountTypeProblem(Class<?> type) {
    if (type == double.class || type == float.class || type == Double.class || type == Float.class) {
      return "a " + type.getSimpleName() + ", a binary floating-point number that cannot hold amounts such as 0.10 "
          + "exactly";
    }
    return "a " + type.getName() + ", which is not an amount";
  }

  /** A declaration whose {@code amount} cannot be resolved. */
  private static final class AmountProblem extends Exception {
    private static final long serialVersionUID = 1L;

    AmountProblem(String message) {
      super(message, null, false, false);
    }
  }

  static String notInterceptable(String where, String why, Privilege privilege) {
    return "@RequiresElevation(\"" + privilege + "\") on " + where + " cannot be enforced: the method is " + why
        + ", so no Spring proxy can intercept it and it would run unguarded. Make it a public instance method that "
        + "is not final and call it through the bean, or check inside it with ElevationChecks.require(\""
        + privilege + "\")";
  }

  /** Null when the return type can be enforced (plain value, or a future that can carry the denial). */
  private static @Nullable String returnTypeProblem(Method m) {
    Class<?> rt = m.getReturnType();
    if (Future.class.isAssignableFrom(rt) || CompletionStage.class.isAssignableFrom(rt)) {
      return rt.isAssignableFrom(CompletableFuture.class) ? null : "returns " + rt.getName()
          + ", a future type that cannot carry a denial; declare CompletableFuture, CompletionStage or Future";
    }
    if (KotlinDetector.isKotlinType(m.getDeclaringClass()) && KotlinDetector.isSuspendingFunction(m)) {
      return "is a Kotlin suspending function; reactive and coroutine enforcement is not supported yet: call "
          + "ElevationChecks.require(..) before suspending, or guard a blocking method";
    }
    boolean publisher = false;
    for (Class<?> c = rt; c != null; c = c.getSuperclass()) {
      if (c.getName().equals(PUBLISHER)) {
        publisher = true;
      }
    }
    for (Class<?> i : ClassUtils.getAllInterfacesForClassAsSet(rt)) {
      if (i.getName().equals(PUBLISHER)) {
        publisher = true;
      }
    }
    if (publisher || ReactiveAdapterRegistry.getSharedInstance().getAdapter(rt) != null) {
      return "returns the reactive type " + rt.getName() + "; reactive enforcement (checked at subscription, "
          + "subject from ReactiveSecurityContextHolder) is not supported yet, and checking at assembly time "
          + "would be wrong: guard a blocking method, or call ElevationChecks.require(..) inside Mono.defer(..)";
    }
    return null;
  }

  /** {@code com.example.PaymentService.refund(Order, Money)}. */
  static String describe(Method m) {
    StringJoiner params = new StringJoiner(", ", "(", ")");
    for (Class<?> p : m.getParameterTypes()) {
      params.add(p.getSimpleName());
    }
    return m.getDeclaringClass().getName() + "." + m.getName() + params;
  }

  /**
   * One declaration.
   *
   * @param method the method carrying it, null for a type-level declaration
   */
  private record Found(String value, boolean action, String amount, @Nullable Method method, String where) {
    String describe() {
      if (amount.isEmpty()) {
        return "@RequiresElevation(\"" + value + "\"" + (action ? ", action = true" : "") + ")";
      }
      return "@RequiresElevation(value = \"" + value + "\"" + (action ? ", action = true" : "") + ", amount = \""
          + amount + "\")";
    }
  }
}
