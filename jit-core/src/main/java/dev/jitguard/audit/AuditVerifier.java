package dev.jitguard.audit;

import dev.jitguard.InvalidInputException;
import dev.jitguard.internal.util.Text;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Verifies a chained audit log (the files a {@link FileAuditSink} wrote, rotated ones included) against one or more
 * Ed25519 public keys, optionally against a separate checkpoint file and a remembered {@link VerifiedState}.
 *
 * <pre>{@code
 * VerificationResult result = AuditVerifier.builder()
 *     .withPublicKey(AuditKeys.readPublicKey(Path.of("audit-key.pub.pem")))
 *     .withCheckpointFile(Path.of("/var/lib/app/checkpoints.jsonl"))
 *     .withRememberedState(VerifiedState.read(Path.of("audit-state.json")))
 *     .build()
 *     .verify(List.of(Path.of("/var/log/app/audit.jsonl")));
 * }</pre>
 *
 * <p><b>What it checks, record by record:</b> each line is complete (only the last line of the last file may lack its
 * line feed, if it is what a write cut short leaves: {@link VerificationResult.TornTail}), at most
 * {@link AuditJson#MAX_LINE_BYTES} bytes, valid under the schema and exactly in canonical form; sequence numbers
 * start at 1 and increase by one; {@code prev} is the SHA-256 of the previous line; every checkpoint covers the record
 * just before it with that record's hash, names the same log (and the expected one, if given), is signed by a known
 * key, and its signature is valid. Then:
 * every checkpoint in the checkpoint file is validly signed and matches the log's hash at its sequence number (one
 * beyond the end of the log proves records were cut off); the remembered state's record is still in the log,
 * unchanged; with a maximum staleness, the last checkpoint is recent enough.
 *
 * <p><b>What it cannot see</b> (see docs/audit.md): records after the last checkpoint can be changed or cut off
 * unnoticed unless the remembered state or the checkpoint file covers them (they are reported as an unverified tail);
 * cutting the log back to an earlier checkpoint is invisible without a remembered state, a checkpoint file or a
 * staleness limit; a holder of the private key can rewrite everything and sign it again; events that were never
 * written are not in the log.
 *
 * <p>Thread-safe; one instance can verify many logs, and remembers which checkpoint signatures it already found
 * valid, so verifying a growing log again re-checks only the new ones.
 */
public final class AuditVerifier {
  private final Map<String, PublicKey> keys;
  private final @Nullable String expectedLogId;
  private final List<Path> checkpointFiles;
  private final List<Checkpoint> checkpoints;
  private final @Nullable VerifiedState remembered;
  private final @Nullable Duration maxStaleness;
  private final Clock clock;
  /**
   * Signatures found valid before (key id, SHA-256 of the signed message, signature): verifying a growing log again
   * re-checks only its new checkpoints. Ed25519 verification is deterministic, so a remembered success is a success.
   */
  private final Set<String> validSignatures = ConcurrentHashMap.newKeySet();
  private static final int MAX_REMEMBERED_SIGNATURES = 100_000;

  private AuditVerifier(Builder b) {
    this.keys = Map.copyOf(b.keys);
    this.expectedLogId = b.logId;
    this.checkpointFiles = List.copyOf(b.checkpointFiles);
    this.checkpoints = List.copyOf(b.checkpoints);
    this.remembered = b.remembered;
    this.maxStaleness = b.maxStaleness;
    this.clock = b.clock != null ? b.clock : Clock.systemUTC();
  }

  /**
   * Starts a configuration.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Verifies a log made of these files (in any order: they are ordered by their first sequence number).
   *
   * @param files the active file and its rotated predecessors
   * @return the verdict
   * @throws UncheckedIOException if a file cannot be read
   */
  public VerificationResult verify(List<Path> files) {
    List<Input> inputs = new ArrayList<>();
    for (Path f : new LinkedHashSet<>(files.stream().map(p -> p.toAbsolutePath().normalize()).toList())) {
      inputs.add(new Input(f.toString(), () -> Files.newInputStream(f)));
    }
    return verifyInputs(inputs);
  }

  /**
   * Verifies a log made of these files.
   *
   * @param files the files
   * @return the verdict
   */
  public VerificationResult verify(Path... files) {
    return verify(List.of(files));
  }

  /** Verifies logs held in memory, each named; for tests. */
  VerificationResult verifyBytes(List<byte[]> files) {
    List<Input> inputs = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      byte[] content = files.get(i);
      inputs.add(new Input("log" + (i + 1), () -> new ByteArrayInputStream(content)));
    }
    return verifyInputs(inputs);
  }

  @FunctionalInterface
  private interface Opener {
    InputStream open() throws IOException;
  }

  private record Input(String name, Opener opener) {}

  /** A checkpoint of the checkpoint file, with where it came from. */
  private record External(Checkpoint checkpoint, String location) {}

  private VerificationResult verifyInputs(List<Input> given) {
    Instant now = clock.instant();
    ChainWalk st = new ChainWalk(now, expectedLogId, this::checkSignature);
    List<Input> inputs = inChainOrder(given);
    inputs.forEach(i -> st.files.add(i.name()));

    // The checkpoint file: each checkpoint must be well-formed and validly signed before it counts as evidence.
    List<External> external = new ArrayList<>();
    for (Checkpoint c : checkpoints) {
      external.add(new External(c, "given checkpoint " + c.seq()));
    }
    for (Path f : checkpointFiles) {
      try (LogLines lines = new LogLines(Files.newInputStream(f))) {
        while (lines.next()) {
          String where = f + " line " + lines.number();
          if (!lines.complete() || lines.tooLong()) {
            return st.tampered(0, where, "the checkpoint file has an incomplete or oversized line");
          }
          try {
            external.add(new External(AuditJson.readCheckpoint(new String(lines.bytes(), 0, lines.length(),
                StandardCharsets.UTF_8)), where));
          } catch (AuditFormatException e) {
            return st.tampered(0, where, "not a valid checkpoint: " + e.getMessage());
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("could not read the checkpoint file '" + f + "'", e);
      }
    }
    for (External e : external) {
      String problem = checkSignature(e.checkpoint());
      if (problem != null) {
        return st.tampered(e.checkpoint().seq(), e.location(), problem);
      }
      if (expectedLogId != null && !expectedLogId.equals(e.checkpoint().logId())) {
        return st.tampered(e.checkpoint().seq(), e.location(), "the checkpoint is for log "
            + Text.quote(e.checkpoint().logId()) + ", not " + Text.quote(expectedLogId));
      }
    }

    Set<Long> wanted = new HashSet<>();
    external.forEach(e -> {
      wanted.add(e.checkpoint().seq());
      wanted.add(e.checkpoint().seq() + 1);
    });
    if (remembered != null) {
      wanted.add(remembered.seq());
    }
    Map<Long, String> hashes = new HashMap<>();
    hashes.put(0L, Chain.GENESIS);

    // The chain.
    for (int i = 0; i < inputs.size(); i++) {
      Input in = inputs.get(i);
      try (LogLines lines = new LogLines(in.opener().open())) {
        while (lines.next()) {
          VerificationResult bad = st.line(in.name(), lines, i == inputs.size() - 1);
          if (bad != null) {
            return bad;
          }
          if (wanted.contains(st.lastSeq)) {
            hashes.put(st.lastSeq, st.prevHash);
            if (st.lastRecord instanceof AuditRecord.CheckpointRecord cr) {
              st.checkpointsAt.put(st.lastSeq, cr.checkpoint());
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("could not read the audit log '" + in.name() + "'", e);
      }
    }

    // The checkpoint file against the log. The writer puts each checkpoint into the log first, as record seq + 1,
    // so the log must hold it there: a checkpoint beyond the end proves a cut.
    External furthest = external.stream().max(Comparator.comparingLong(e -> e.checkpoint().seq())).orElse(null);
    if (furthest != null && furthest.checkpoint().seq() + 1 > st.lastSeq) {
      Checkpoint c = furthest.checkpoint();
      return st.tampered(st.lastSeq + 1, furthest.location(), "the log ends at seq " + st.lastSeq + ", but the "
          + "checkpoint file holds a valid checkpoint for seq " + c.seq() + " signed " + c.time() + " (written to "
          + "the log as record " + (c.seq() + 1) + "): records " + (st.lastSeq + 1) + ".." + (c.seq() + 1)
          + " were removed from the end of the log");
    }
    for (External e : external) {
      Checkpoint c = e.checkpoint();
      if (!c.hash().equals(hashes.get(c.seq()))) {
        return st.tampered(c.seq(), e.location(), "record " + c.seq() + " of the log is not the one this checkpoint "
            + "signed: the log was rewritten");
      }
      if (!c.equals(st.checkpointsAt.get(c.seq() + 1))) {
        return st.tampered(c.seq() + 1, e.location(), "record " + (c.seq() + 1) + " of the log is not this "
            + "checkpoint, which the writer put there: the checkpoint was removed from the log or replaced");
      }
      if (st.logId != null && !st.logId.equals(c.logId())) {
        return st.tampered(c.seq(), e.location(), "the checkpoint is for log " + Text.quote(c.logId())
            + ", but the log's checkpoints name " + Text.quote(st.logId));
      }
    }

    VerificationResult.Summary summary = st.summary();

    // The remembered state.
    if (remembered != null) {
      VerifiedState r = remembered;
      if (r.logId().isPresent() && st.logId != null && !r.logId().get().equals(st.logId)) {
        return new VerificationResult.Rollback(summary, r, "the remembered state is for log "
            + Text.quote(r.logId().get()) + ", but this log is " + Text.quote(st.logId));
      }
      if (r.seq() > st.lastSeq) {
        return new VerificationResult.Rollback(summary, r, "the log ends at seq " + st.lastSeq + ", but seq "
            + r.seq() + " was verified on " + r.verifiedAt() + ": " + (r.seq() - st.lastSeq) + " records were "
            + "removed from the end (a rollback or truncation)");
      }
      if (!r.hash().equals(hashes.get(r.seq()))) {
        return new VerificationResult.Rollback(summary, r, "record " + r.seq() + " differs from the one verified on "
            + r.verifiedAt() + ": the history up to it was rewritten");
      }
    }

    // A write cut short at the very end: what a full disk or a crash leaves, reported before liveness and coverage.
    if (st.torn != null) {
      return new VerificationResult.TornTail(summary, st.torn.location(), st.torn.bytes(), st.torn.completeRecord(),
          st.lastSeq - st.covered);
    }

    // Liveness and coverage.
    if (maxStaleness != null) {
      Instant last = st.lastCheckpoint != null ? st.lastCheckpoint.time() : null;
      Instant from = last != null ? last : st.firstTime != null ? st.firstTime : now;
      Duration age = nonNegative(Duration.between(from, now));
      if (last == null || age.compareTo(maxStaleness) > 0) {
        return new VerificationResult.Stale(summary, Optional.ofNullable(last), age, maxStaleness);
      }
    }
    if (st.covered < st.lastSeq) {
      Instant oldest = Objects.requireNonNull(st.tailTime);
      return new VerificationResult.UnverifiedTail(summary, st.lastSeq - st.covered, st.covered + 1, oldest,
          nonNegative(Duration.between(oldest, now)));
    }
    return new VerificationResult.Ok(summary);
  }

  private static Duration nonNegative(Duration d) {
    return d.isNegative() ? Duration.ZERO : d;
  }

  /** Null if the signature is valid with a known key, else why not. */
  private @Nullable String checkSignature(Checkpoint c) {
    PublicKey key = keys.get(c.keyId());
    if (key == null) {
      return "the checkpoint is signed with key " + Text.quote(c.keyId()) + ", which is not among the verifier's keys "
          + keys.keySet().stream().sorted().toList();
    }
    String memo = c.keyId() + ' ' + Chain.hex(Chain.sha256().digest(c.signedMessage())) + ' ' + c.signature();
    if (validSignatures.contains(memo)) {
      return null;
    }
    if (c.verify(key)) {
      if (validSignatures.size() >= MAX_REMEMBERED_SIGNATURES) {
        validSignatures.clear();
      }
      validSignatures.add(memo);
    } else {
      return "the checkpoint's signature is not valid for key " + c.keyId() + ": the checkpoint was changed or forged";
    }
    return null;
  }

  /** Orders inputs by the sequence number of their first record; keeps the given order if one cannot be read. */
  private static List<Input> inChainOrder(List<Input> inputs) {
    Map<Input, Long> first = new LinkedHashMap<>();
    boolean sortable = true;
    for (Input in : inputs) {
      try (LogLines lines = new LogLines(in.opener().open())) {
        if (!lines.next()) {
          continue;
        }
        long seq;
        try {
          seq = AuditJson.readRecord(lines.bytes(), 0, lines.length()).seq();
        } catch (AuditFormatException e) {
          sortable = false;
          seq = Long.MAX_VALUE;
        }
        first.put(in, seq);
      } catch (IOException e) {
        throw new UncheckedIOException("could not read the audit log '" + in.name() + "'", e);
      }
    }
    List<Input> out = new ArrayList<>(first.keySet());
    if (sortable) {
      out.sort(Comparator.comparingLong(first::get));
    }
    return out;
  }

  /** Configures an {@link AuditVerifier}. Not thread-safe. */
  public static final class Builder {
    private final Map<String, PublicKey> keys = new LinkedHashMap<>();
    private @Nullable String logId;
    private final List<Path> checkpointFiles = new ArrayList<>();
    private final List<Checkpoint> checkpoints = new ArrayList<>();
    private @Nullable VerifiedState remembered;
    private @Nullable Duration maxStaleness;
    private @Nullable Clock clock;

    private Builder() {}

    /**
     * Trusts checkpoints signed with this Ed25519 key (its id is {@link AuditKeys#keyId(PublicKey)}). At least one
     * is required; add the old key too after a key rotation.
     *
     * @param key the public key
     * @return this builder
     */
    public Builder withPublicKey(PublicKey key) {
      Objects.requireNonNull(key, "key cannot be null");
      if (!"Ed25519".equals(key.getAlgorithm()) && !"EdDSA".equals(key.getAlgorithm())) {
        throw new InvalidInputException("publicKey", "publicKey must be an Ed25519 key, but was "
            + key.getAlgorithm());
      }
      keys.put(AuditKeys.keyId(key), key);
      return this;
    }

    /**
     * Trusts checkpoints signed with the key in this PEM file.
     *
     * @param file an X.509 PEM public key
     * @return this builder
     */
    public Builder withPublicKey(Path file) {
      return withPublicKey(AuditKeys.readPublicKey(file));
    }

    /**
     * Requires every checkpoint to name this log.
     *
     * @param logId the log id
     * @return this builder
     */
    public Builder withLogId(String logId) {
      if (this.logId != null) {
        throw new IllegalStateException("logId was already set to " + this.logId);
      }
      try {
        this.logId = Chain.requireId("logId", Objects.requireNonNull(logId, "logId cannot be null"));
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException("logId", e.getMessage());
      }
      return this;
    }

    /**
     * A separate checkpoint file (the sink's second destination) to check the log against. Read at each
     * verification.
     *
     * @param file the file
     * @return this builder
     */
    public Builder withCheckpointFile(Path file) {
      checkpointFiles.add(Objects.requireNonNull(file, "file cannot be null"));
      return this;
    }

    /**
     * Checkpoints kept elsewhere (for example collected by a checkpoint listener) to check the log against.
     *
     * @param checkpoints the checkpoints
     * @return this builder
     */
    public Builder withCheckpoints(List<Checkpoint> checkpoints) {
      this.checkpoints.addAll(List.copyOf(checkpoints));
      return this;
    }

    /**
     * What an earlier verification saw; the log must still contain that record, unchanged.
     *
     * @param state the state
     * @return this builder
     */
    public Builder withRememberedState(VerifiedState state) {
      if (remembered != null) {
        throw new IllegalStateException("rememberedState was already set to " + remembered);
      }
      this.remembered = Objects.requireNonNull(state, "state cannot be null");
      return this;
    }

    /**
     * Reports {@link VerificationResult.Stale} when the last checkpoint is older than this. Set it a little above the
     * writer's checkpoint interval: a living writer signs at least that often, even when idle.
     *
     * @param maxStaleness positive
     * @return this builder
     */
    public Builder withMaxStaleness(Duration maxStaleness) {
      if (this.maxStaleness != null) {
        throw new IllegalStateException("maxStaleness was already set to " + this.maxStaleness);
      }
      Objects.requireNonNull(maxStaleness, "maxStaleness cannot be null");
      if (maxStaleness.isNegative() || maxStaleness.isZero()) {
        throw new InvalidInputException("maxStaleness", "maxStaleness must be positive, but was " + maxStaleness);
      }
      this.maxStaleness = maxStaleness;
      return this;
    }

    /**
     * The clock for ages and the time of the new state. Defaults to {@link Clock#systemUTC()}.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder withClock(Clock clock) {
      if (this.clock != null) {
        throw new IllegalStateException("clock was already set to " + this.clock);
      }
      this.clock = Objects.requireNonNull(clock, "clock cannot be null");
      return this;
    }

    /**
     * Builds the verifier.
     *
     * @return the verifier
     * @throws IllegalStateException if no public key was given
     */
    public AuditVerifier build() {
      if (keys.isEmpty()) {
        throw new IllegalStateException("a verifier needs at least one public key: call withPublicKey(..)");
      }
      return new AuditVerifier(this);
    }
  }
}
