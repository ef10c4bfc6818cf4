package dev.jitguard.spi;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.internal.util.Text;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records every event into several sinks: all must succeed ({@link AuditSink#allOf}) or at least one
 * ({@link AuditSink#anyOf}). Every sink is tried, in order, even after one failed, so the others still get the event.
 */
final class CompositeAuditSink implements BatchAuditSink, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CompositeAuditSink.class);

  /** How many of the sinks must succeed. */
  enum Mode {
    /** Every sink must record the event; one failure fails the call (the guard denies). */
    ALL,
    /** At least one sink must record the event; failures of the others are logged. */
    ANY
  }

  private final List<AuditSink> sinks;
  private final Mode mode;

  /**
   * Creates the sink; prefer {@link AuditSink#allOf} and {@link AuditSink#anyOf}.
   *
   * @param mode how many must succeed
   * @param sinks at least one sink
   */
  CompositeAuditSink(Mode mode, List<? extends AuditSink> sinks) {
    this.mode = Objects.requireNonNull(mode, "mode cannot be null");
    Objects.requireNonNull(sinks, "sinks cannot be null");
    if (sinks.isEmpty()) {
      throw new IllegalArgumentException("a composite audit sink needs at least one sink");
    }
    for (AuditSink s : sinks) {
      Objects.requireNonNull(s, "sinks cannot contain null");
    }
    this.sinks = List.copyOf(sinks);
  }

  /** @return the sinks, in order */
  public List<AuditSink> sinks() {
    return sinks;
  }

  /** @return how many must succeed */
  public Mode mode() {
    return mode;
  }

  @Override
  public void record(AuditEvent event) {
    Objects.requireNonNull(event, "event cannot be null");
    run(s -> s.record(event), event.type().name() + " event");
  }

  @Override
  public void recordAll(List<AuditEvent> events) {
    List<AuditEvent> copy = List.copyOf(events);
    run(s -> {
      if (s instanceof BatchAuditSink b) {
        b.recordAll(copy);
      } else {
        copy.forEach(s::record);
      }
    }, "batch of " + copy.size() + " events");
  }

  private void run(java.util.function.Consumer<AuditSink> call, String what) {
    List<RuntimeException> failures = new ArrayList<>();
    int ok = 0;
    for (int i = 0; i < sinks.size(); i++) {
      AuditSink s = sinks.get(i);
      try {
        call.accept(s);
        ok++;
      } catch (RuntimeException e) {
        failures.add(e);
        if (mode == Mode.ANY) {
          LOG.warn("audit sink {} of {} ({}) failed to record a {}: {}", i + 1, sinks.size(),
              s.getClass().getSimpleName(), what, Text.quote(String.valueOf(e.getMessage())));
        }
      }
    }
    if (failures.isEmpty() || (mode == Mode.ANY && ok > 0)) {
      return;
    }
    IllegalStateException e = new IllegalStateException(mode == Mode.ALL
        ? failures.size() + " of " + sinks.size() + " audit sinks failed to record a " + what + " (all must succeed)"
        : "all " + sinks.size() + " audit sinks failed to record a " + what + " (at least one must succeed)",
        failures.get(0));
    failures.subList(1, failures.size()).forEach(e::addSuppressed);
    throw e;
  }

  /** Closes every sink that is {@link AutoCloseable}, in order; throws the first failure after trying all. */
  @Override
  public void close() {
    @Nullable RuntimeException first = null;
    for (AuditSink s : sinks) {
      if (s instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          RuntimeException r = e instanceof RuntimeException re ? re
              : new IllegalStateException("closing audit sink " + s + " failed", e);
          if (first == null) {
            first = r;
          } else {
            first.addSuppressed(r);
          }
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
