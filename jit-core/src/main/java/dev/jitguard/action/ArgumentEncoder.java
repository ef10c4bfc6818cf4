package dev.jitguard.action;

/**
 * Turns a domain type that {@link CanonicalArguments} does not know into one it does (a string, a number, a record, a
 * map...), so that two equal values always produce the same digest. Register one per type with
 * {@link CanonicalArguments.Builder#encoder}. Implementations must be pure and thread-safe.
 *
 * @param <T> the domain type
 */
@FunctionalInterface
public interface ArgumentEncoder<T> {

  /**
   * The canonical stand-in for a value.
   *
   * @param value the value, never null
   * @return a value of a supported type
   */
  Object encode(T value);
}
