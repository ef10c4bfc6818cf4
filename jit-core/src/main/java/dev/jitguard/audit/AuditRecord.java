package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import java.util.Objects;

/**
 * One line of a chained audit log (see {@link AuditJson} for the schema): an event or a checkpoint, each with its
 * place in the chain. Record {@code seq} links to record {@code seq - 1} through {@link #prev()}, the SHA-256 of that
 * record's canonical encoding (its line without the line feed); record 1 links to 64 zeros.
 */
public sealed interface AuditRecord {
  /**
   * The record's position in the chain: 1 for the first record, then each record one more, without gaps, across
   * rotated files.
   *
   * @return the sequence number
   */
  long seq();

  /**
   * The SHA-256 of the previous record's canonical encoding, 64 lowercase hex characters; 64 zeros for seq 1.
   *
   * @return the previous record's hash
   */
  String prev();

  /**
   * An audit event in the chain.
   *
   * @param seq see {@link AuditRecord#seq()}
   * @param prev see {@link AuditRecord#prev()}
   * @param event the event
   */
  record EventRecord(long seq, String prev, AuditEvent event) implements AuditRecord {
    /**
     * Validates the fields.
     *
     * @param seq see the record description
     * @param prev see the record description
     * @param event see the record description
     */
    public EventRecord {
      check(seq, prev);
      Objects.requireNonNull(event, "event cannot be null");
    }
  }

  /**
   * A signed checkpoint in the chain. It covers the record just before it: {@code checkpoint.seq() == seq - 1} and
   * {@code checkpoint.hash().equals(prev)}; the verifier checks both.
   *
   * @param seq see {@link AuditRecord#seq()}
   * @param prev see {@link AuditRecord#prev()}
   * @param checkpoint the signed checkpoint
   */
  record CheckpointRecord(long seq, String prev, Checkpoint checkpoint) implements AuditRecord {
    /**
     * Validates the fields.
     *
     * @param seq see the record description
     * @param prev see the record description
     * @param checkpoint see the record description
     */
    public CheckpointRecord {
      check(seq, prev);
      Objects.requireNonNull(checkpoint, "checkpoint cannot be null");
    }
  }

  private static void check(long seq, String prev) {
    if (seq < 1) {
      throw new IllegalArgumentException("seq must be at least 1, but was " + seq);
    }
    if (!Chain.isHash(Objects.requireNonNull(prev, "prev cannot be null"))) {
      throw new IllegalArgumentException("prev must be 64 lowercase hex characters");
    }
  }
}
