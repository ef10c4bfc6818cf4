package dev.jitguard;

/** The three shapes a {@link Decision} can take. */
public enum Outcome {
  /** The privilege may be used now. */
  GRANTED,
  /** A request exists and waits for approvers. */
  PENDING,
  /** Not allowed; the decision says why and what to do. */
  DENIED
}
