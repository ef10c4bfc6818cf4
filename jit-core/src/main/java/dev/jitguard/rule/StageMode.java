package dev.jitguard.rule;

/** How the approval stages of a rule combine. */
public enum StageMode {
  /** Every stage must be satisfied (multi-stage approval); a person fills at most one approval in all. */
  ALL,
  /** Any one stage satisfied is enough. */
  ANY
}
