package dev.jitguard.audit;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;

/**
 * A signed statement that a log had, at a given time, a given record at a given sequence number: the Ed25519 signature
 * of the holder of the log's signing key over {@link #signedMessage()}. Because every record's hash covers the
 * previous one, a checkpoint at {@code seq} vouches for every record from 1 to {@code seq}.
 *
 * <p>The file sink writes checkpoints into the log itself (as a chained record, see {@link AuditRecord.CheckpointRecord})
 * and optionally to a second destination; {@link AuditVerifier} checks them.
 *
 * @param logId the log's id, so a checkpoint of one log cannot pass for another's
 * @param seq the sequence number of the last record it covers (0: the empty log)
 * @param hash the SHA-256 of that record's canonical encoding, 64 lowercase hex characters ({@code 0}s for seq 0)
 * @param time when it was signed, from the writer's clock
 * @param keyId the signing key's id, {@link AuditKeys#keyId(PublicKey)}
 * @param signature the Ed25519 signature of {@link #signedMessage()}, Base64 (RFC 4648, with padding)
 */
public record Checkpoint(String logId, long seq, String hash, Instant time, String keyId, String signature) {
  /** The first line of every signed message; it names the format and its version. */
  public static final String HEADER = "jitguard-audit-checkpoint/v1";

  /**
   * Validates the fields (not the signature: see {@link #verify(PublicKey)}).
   *
   * @param logId see the record description
   * @param seq see the record description
   * @param hash see the record description
   * @param time see the record description
   * @param keyId see the record description
   * @param signature see the record description
   */
  public Checkpoint {
    Chain.requireId("logId", Objects.requireNonNull(logId, "logId cannot be null"));
    if (seq < 0) {
      throw new IllegalArgumentException("seq must be at least 0, but was " + seq);
    }
    if (!Chain.isHash(Objects.requireNonNull(hash, "hash cannot be null"))) {
      throw new IllegalArgumentException("hash must be 64 lowercase hex characters");
    }
    Objects.requireNonNull(time, "time cannot be null");
    Chain.requireId("keyId", Objects.requireNonNull(keyId, "keyId cannot be null"));
    Objects.requireNonNull(signature, "signature cannot be null");
  }

  /**
   * The exact bytes that are signed: ASCII lines, each ending with LF,
   * <pre>
   * jitguard-audit-checkpoint/v1
   * log &lt;logId&gt;
   * seq &lt;seq&gt;
   * hash &lt;hash&gt;
   * time &lt;time, ISO-8601 as Instant.toString()&gt;
   * key &lt;keyId&gt;
   * </pre>
   *
   * @return the message
   */
  public byte[] signedMessage() {
    return message(logId, seq, hash, time, keyId);
  }

  private static byte[] message(String logId, long seq, String hash, Instant time, String keyId) {
    String text = HEADER + "\nlog " + logId + "\nseq " + seq + "\nhash " + hash + "\ntime " + time + "\nkey " + keyId
        + "\n";
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Checks the signature with a public key. Says nothing about whether {@link #hash()} is the log's: the verifier
   * compares that.
   *
   * @param key the Ed25519 public key of {@link #keyId()}
   * @return whether the signature is valid for this key
   */
  public boolean verify(PublicKey key) {
    byte[] sig;
    try {
      sig = Base64.getDecoder().decode(signature);
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (!Base64.getEncoder().encodeToString(sig).equals(signature)) {
      return false; // a non-canonical spelling of the same bytes (unused low bits set): one encoding only
    }
    try {
      Signature verifier = Signature.getInstance("Ed25519");
      verifier.initVerify(key);
      verifier.update(signedMessage());
      return verifier.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** Signs a new checkpoint. */
  static Checkpoint sign(String logId, long seq, String hash, Instant time, PrivateKey key, String keyId) {
    try {
      Signature signer = Signature.getInstance("Ed25519");
      signer.initSign(key);
      signer.update(message(logId, seq, hash, time, keyId));
      return new Checkpoint(logId, seq, hash, time, keyId, Base64.getEncoder().encodeToString(signer.sign()));
    } catch (GeneralSecurityException e) {
      // The message never contains the key; the exception of the provider does not either.
      throw new IllegalStateException("could not sign an audit checkpoint with Ed25519: " + e.getClass().getName(), e);
    }
  }
}
