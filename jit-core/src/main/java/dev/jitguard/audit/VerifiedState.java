package dev.jitguard.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a verifier saw last time: the head of the log (sequence number and hash of the last record) when it verified
 * it. Kept by the verifier's owner, out of reach of whoever can write the log, and passed to the next verification
 * ({@link AuditVerifier.Builder#withRememberedState(VerifiedState)}): if the log no longer contains that record, or
 * contains a different one at that sequence number, the verdict is {@link VerificationResult.Rollback}. This is what
 * detects a cut of the unsigned tail or a rewrite by a holder of the signing key after the fact.
 *
 * <p>Stored as one JSON object: {@code {"v":1,"log":"orders-prod","seq":1234,"hash":"...","verified_at":"..."}}. Immutable.
 */
public final class VerifiedState {
  private final @Nullable String logId;
  private final long seq;
  private final String hash;
  private final Instant verifiedAt;

  /**
   * Creates a state.
   *
   * @param logId the log's id, or {@code null} if the log had no checkpoint that named it
   * @param seq the sequence number of the last record seen (0: the log was empty)
   * @param hash the SHA-256 of that record's canonical encoding (64 zeros for seq 0)
   * @param verifiedAt when it was verified
   */
  public VerifiedState(@Nullable String logId, long seq, String hash, Instant verifiedAt) {
    if (logId != null) {
      Chain.requireId("logId", logId);
    }
    if (seq < 0) {
      throw new IllegalArgumentException("seq must be at least 0, but was " + seq);
    }
    if (!Chain.isHash(Objects.requireNonNull(hash, "hash cannot be null"))) {
      throw new IllegalArgumentException("hash must be 64 lowercase hex characters");
    }
    this.logId = logId;
    this.seq = seq;
    this.hash = hash;
    this.verifiedAt = Objects.requireNonNull(verifiedAt, "verifiedAt cannot be null");
  }

  /** @return the log's id, if a checkpoint named it */
  public Optional<String> logId() {
    return Optional.ofNullable(logId);
  }

  /** @return the sequence number of the last record seen */
  public long seq() {
    return seq;
  }

  /** @return the SHA-256 of that record's canonical encoding, lowercase hex */
  public String hash() {
    return hash;
  }

  /** @return when the log was verified */
  public Instant verifiedAt() {
    return verifiedAt;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof VerifiedState s && Objects.equals(logId, s.logId) && seq == s.seq && hash.equals(s.hash)
        && verifiedAt.equals(s.verifiedAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(logId, seq, hash, verifiedAt);
  }

  @Override
  public String toString() {
    return toJson();
  }

  /**
   * The state as one line of JSON.
   *
   * @return the JSON
   */
  public String toJson() {
    return VerificationJson.stateToJson(this);
  }

  /**
   * Parses {@link #toJson()}, strictly.
   *
   * @param json the JSON
   * @return the state
   * @throws AuditFormatException if it is not a state
   */
  public static VerifiedState fromJson(String json) {
    return VerificationJson.stateFromJson(json);
  }

  /**
   * Reads a state file.
   *
   * @param file the file
   * @return the state
   * @throws UncheckedIOException if it cannot be read
   * @throws AuditFormatException if it is not a state
   */
  public static VerifiedState read(Path file) {
    try {
      return fromJson(Files.readString(file, StandardCharsets.ISO_8859_1).strip());
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the verification state '" + file + "'", e);
    }
  }

  /**
   * Writes the state to a file atomically (a temporary file next to it, then a rename).
   *
   * @param file the file
   * @throws UncheckedIOException if it cannot be written
   */
  public void write(Path file) {
    Path dir = file.toAbsolutePath().getParent();
    try {
      Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
      Files.writeString(tmp, toJson() + "\n", StandardCharsets.US_ASCII);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the verification state '" + file + "'", e);
    }
  }
}
