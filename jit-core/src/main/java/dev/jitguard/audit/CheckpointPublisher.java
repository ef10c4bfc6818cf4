package dev.jitguard.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Sends new checkpoints to their second destinations, the checkpoint file and the listeners, once the log itself was
 * forced. Not thread-safe: the sink's lock guards it.
 */
final class CheckpointPublisher {
  private final String logId;
  private final @Nullable FileChannel channel;
  private final List<Consumer<Checkpoint>> listeners;
  private final List<Checkpoint> unpublished = new ArrayList<>();

  private CheckpointPublisher(String logId, @Nullable FileChannel channel, List<Consumer<Checkpoint>> listeners) {
    this.logId = logId;
    this.channel = channel;
    this.listeners = listeners;
  }

  /**
   * Opens the checkpoint file, if there is one, for appending.
   *
   * @param checkpointFile the separate checkpoint file, or null
   * @param logId the log's id, for messages
   * @param listeners the checkpoint listeners, in order
   * @return the publisher
   * @throws IOException if the checkpoint file cannot be opened
   */
  static CheckpointPublisher open(@Nullable Path checkpointFile, String logId, List<Consumer<Checkpoint>> listeners)
      throws IOException {
    FileChannel channel = null;
    if (checkpointFile != null) {
      channel = FileChannel.open(checkpointFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.APPEND);
    }
    return new CheckpointPublisher(logId, channel, listeners);
  }

  /** Queues a checkpoint written to the log's buffer, to publish after the log is forced. */
  void add(Checkpoint c) {
    unpublished.add(c);
  }

  /** @return whether checkpoints wait to be published (so the log must be forced first) */
  boolean hasPending() {
    return !unpublished.isEmpty();
  }

  /** Forgets the queued checkpoints: the log write that carried them failed. */
  void discard() {
    unpublished.clear();
  }

  /** Sends new checkpoints to the second destinations, after the log itself was forced. */
  void publish() {
    if (unpublished.isEmpty()) {
      return;
    }
    List<Checkpoint> batch = List.copyOf(unpublished);
    unpublished.clear();
    RuntimeException failed = null;
    for (Checkpoint c : batch) {
      if (channel != null) {
        try {
          ByteBuffer bb = ByteBuffer.wrap((AuditJson.toLine(c) + "\n").getBytes(StandardCharsets.US_ASCII));
          while (bb.hasRemaining()) {
            channel.write(bb);
          }
          channel.force(false);
        } catch (IOException e) {
          failed = add(failed, new UncheckedIOException("could not write checkpoint " + c.seq()
              + " of audit log '" + logId + "' to its checkpoint file", e));
        }
      }
      for (Consumer<Checkpoint> l : listeners) {
        try {
          l.accept(c);
        } catch (RuntimeException e) {
          failed = add(failed, new IllegalStateException("a checkpoint listener failed on checkpoint " + c.seq()
              + " of audit log '" + logId + "'", e));
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
  }

  private static RuntimeException add(@Nullable RuntimeException first, RuntimeException next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }

  /** Closes the checkpoint file, ignoring failures. */
  void close() {
    if (channel != null) {
      try {
        channel.close();
      } catch (Exception ignored) {
        // best effort while failing or closing
      }
    }
  }
}
