package dev.jitguard.spring.aop;

import dev.jitguard.annotation.RequiresElevation;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.concurrent.CompletableFuture;
import reactor.core.publisher.Mono;

/** Beans covering each place a {@code @RequiresElevation} can be declared, each behind an interface (JDK proxies). */
final class DiscoveryFixtures {
  private DiscoveryFixtures() { }

  /** What every fixture offers: one guarded and one unguarded call. */
  interface Op {
    String run();

    default String free() {
      return "free";
    }
  }

  /** Annotated on the class's method. */
  static class OnMethod implements Op {
    @Override
    @RequiresElevation("test.method")
    public String run() {
      return "ran";
    }

    @Override
    public String free() {
      return "free";
    }
  }

  /** Annotated on the class. */
  @RequiresElevation("test.class")
  static class OnClass implements Op {
    @Override
    public String run() {
      return "ran";
    }

    @Override
    public String toString() {
      return "OnClass"; // never guarded by a type-level declaration
    }
  }

  /** Annotated on the interface method. */
  interface AnnotatedOp {
    @RequiresElevation("test.interface-method")
    String run();
  }

  static class OnInterfaceMethod implements AnnotatedOp {
    @Override
    public String run() {
      return "ran";
    }
  }

  /** Annotated on the interface type. */
  @RequiresElevation("test.interface-type")
  interface GuardedOp {
    String run();
  }

  static class OnInterfaceType implements GuardedOp {
    @Override
    public String run() {
      return "ran";
    }
  }

  /** Annotated on a superclass method, inherited as is. */
  abstract static class GuardedBase {
    @RequiresElevation("test.superclass")
    public String run() {
      return "ran";
    }
  }

  static class InheritsFromSuperclass extends GuardedBase implements Op { }

  /** Annotated on a superclass method, overridden without the annotation. */
  static class OverridesSuperclass extends GuardedBase implements Op {
    @Override
    public String run() {
      return "overridden";
    }
  }

  /** A generic superclass with an unbounded type parameter (CVE-2025-41248, CVE-2025-22223). */
  abstract static class GenericBase<T> {
    @RequiresElevation("test.generic-superclass")
    public String handle(T value) {
      return "base " + value;
    }
  }

  interface Handler<T> {
    String handle(T value);
  }

  static class OverridesGenericSuperclass extends GenericBase<String> implements Handler<String> {
    @Override
    public String handle(String value) {
      return "ran " + value;
    }
  }

  /** A generic interface implemented with a concrete type: a bridge method handle(Object) exists. */
  interface GuardedHandler<T> {
    @RequiresElevation("test.generic-interface")
    String handle(T value);
  }

  static class ImplementsGenericInterface implements GuardedHandler<String> {
    @Override
    public String handle(String value) {
      return "ran " + value;
    }
  }

  /** Annotated interface method implemented by a method inherited from a generic superclass (CVE-2025-41248). */
  interface Saver {
    @RequiresElevation("test.generic-hierarchy")
    String save(String value);
  }

  abstract static class UnboundedBase<T> {
    public String save(T value) {
      return "saved " + value;
    }
  }

  static class SavesThroughGenericBase extends UnboundedBase<String> implements Saver {
    @Override
    public String save(String value) {
      return super.save(value);
    }
  }

  /** The same, without an override: javac generates the bridge save(String) calling the inherited save(Object). */
  static class SavesThroughGenericBaseBridge extends UnboundedBase<String> implements Saver { }

  /** A meta-annotation carrying @RequiresElevation. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.METHOD, ElementType.TYPE})
  @RequiresElevation("test.meta")
  @interface RefundPrivilege { }

  static class OnMetaAnnotation implements Op {
    @Override
    @RefundPrivilege
    public String run() {
      return "ran";
    }
  }

  @RefundPrivilege
  static class OnMetaAnnotatedClass implements Op {
    @Override
    public String run() {
      return "ran";
    }
  }

  /** A method-level declaration on the class wins over the type-level one. */
  @RequiresElevation("test.class")
  static class MethodOverridesType implements Op {
    @Override
    @RequiresElevation("test.method")
    public String run() {
      return "ran";
    }
  }

  /** A future-returning method: a denial is a failed future. */
  interface AsyncOp {
    CompletableFuture<String> run();
  }

  static class ReturnsFuture implements AsyncOp {
    @Override
    @RequiresElevation("test.future")
    public CompletableFuture<String> run() {
      return CompletableFuture.completedFuture("ran");
    }
  }

  // ---------------------------------------------------------------- declarations that must fail the start-up

  static class PrivateMethod implements Op {
    @Override
    public String run() {
      return secret();
    }

    @RequiresElevation("test.private")
    private String secret() {
      return "ran";
    }
  }

  static class StaticMethod implements Op {
    @Override
    public String run() {
      return helper();
    }

    @RequiresElevation("test.static")
    public static String helper() {
      return "ran";
    }
  }

  static class FinalMethod implements Op {
    @Override
    @RequiresElevation("test.final")
    public final String run() {
      return "ran";
    }
  }

  @RequiresElevation("test.class")
  static class FinalMethodOfGuardedClass implements Op {
    @Override
    public final String run() {
      return "ran";
    }
  }

  /** Different privileges from an interface and a superclass for the same method. */
  interface RefundApi {
    @RequiresElevation("test.from-interface")
    String run();
  }

  abstract static class RefundBase {
    @RequiresElevation("test.from-superclass")
    public String run() {
      return "ran";
    }
  }

  static class Ambiguous extends RefundBase implements RefundApi { }

  @RequiresElevation("test.one")
  interface First {
    String run();
  }

  @RequiresElevation("test.two")
  interface Second {
    String run();
  }

  static class AmbiguousTypes implements First, Second {
    @Override
    public String run() {
      return "ran";
    }
  }

  /** An action method whose parameter type cannot be encoded canonically. */
  interface ThreadOp {
    String run(Thread thread);
  }

  static class UnsupportedActionParameter implements ThreadOp {
    @Override
    @RequiresElevation(value = "test.action", action = true)
    public String run(Thread thread) {
      return "ran";
    }
  }

  static class InvalidPrivilege implements Op {
    @Override
    @RequiresElevation("Test.Refund")
    public String run() {
      return "ran";
    }
  }

  interface ReactiveOp {
    Mono<String> run();
  }

  static class ReturnsMono implements ReactiveOp {
    @Override
    @RequiresElevation("test.reactive")
    public Mono<String> run() {
      return Mono.just("ran");
    }
  }
}
