package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads chained audit logs and checkpoint files back, strictly (see {@link AuditJson}). Reading does not verify: use
 * {@link AuditVerifier} to know whether the content can be trusted.
 */
public final class AuditLogReader {
  private AuditLogReader() {}

  /**
   * Reads every record of a log, in chain order: the files (the active file and its rotated predecessors, in any
   * order) are ordered by the sequence number of their first record.
   *
   * @param files the log's files
   * @return the records, oldest first
   * @throws AuditFormatException if a line is not a record (the message names the file and line)
   * @throws UncheckedIOException if a file cannot be read
   */
  public static List<AuditRecord> readRecords(List<Path> files) {
    List<AuditRecord> out = new ArrayList<>();
    for (Path file : inChainOrder(files)) {
      try (LogLines lines = new LogLines(Files.newInputStream(file))) {
        while (lines.next()) {
          if (!lines.complete()) {
            throw new AuditFormatException(file + " line " + lines.number() + ": incomplete record (no line feed)");
          }
          try {
            out.add(AuditJson.readRecord(lines.bytes(), 0, lines.length()));
          } catch (AuditFormatException e) {
            throw new AuditFormatException(file + " line " + lines.number() + ": " + e.getMessage(), e);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("could not read the audit log '" + file + "'", e);
      }
    }
    return out;
  }

  /**
   * Reads the events of a log, in chain order, without its checkpoints.
   *
   * @param files the log's files
   * @return the events, oldest first
   * @throws AuditFormatException if a line is not a record
   * @throws UncheckedIOException if a file cannot be read
   */
  public static List<AuditEvent> readEvents(List<Path> files) {
    List<AuditEvent> out = new ArrayList<>();
    for (AuditRecord r : readRecords(files)) {
      if (r instanceof AuditRecord.EventRecord e) {
        out.add(e.event());
      }
    }
    return out;
  }

  /**
   * Reads the events of a log.
   *
   * @param files the log's files
   * @return the events, oldest first
   */
  public static List<AuditEvent> readEvents(Path... files) {
    return readEvents(List.of(files));
  }

  /**
   * Reads a separate checkpoint file (see {@link FileAuditSink.Builder#withCheckpointFile(Path)}).
   *
   * @param file the file
   * @return its checkpoints, in file order, signatures not checked
   * @throws AuditFormatException if a line is not a checkpoint
   * @throws UncheckedIOException if the file cannot be read
   */
  public static List<Checkpoint> readCheckpoints(Path file) {
    List<Checkpoint> out = new ArrayList<>();
    try (LogLines lines = new LogLines(Files.newInputStream(file))) {
      while (lines.next()) {
        if (!lines.complete()) {
          throw new AuditFormatException(file + " line " + lines.number() + ": incomplete checkpoint (no line feed)");
        }
        try {
          out.add(AuditJson.readCheckpoint(new String(lines.bytes(), 0, lines.length(),
              java.nio.charset.StandardCharsets.UTF_8)));
        } catch (AuditFormatException e) {
          throw new AuditFormatException(file + " line " + lines.number() + ": " + e.getMessage(), e);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the checkpoint file '" + file + "'", e);
    }
    return out;
  }

  /**
   * The files without duplicates, ordered by the sequence number of their first record; empty files are dropped. If
   * a first line cannot be read as a record, the given order is kept (the verifier then reports where).
   */
  static List<Path> inChainOrder(List<Path> files) {
    Set<Path> unique = new LinkedHashSet<>();
    for (Path f : files) {
      unique.add(f.toAbsolutePath().normalize());
    }
    List<Path> nonEmpty = new ArrayList<>();
    List<long[]> keys = new ArrayList<>();
    boolean sortable = true;
    for (Path f : unique) {
      try (InputStream in = Files.newInputStream(f); LogLines lines = new LogLines(in)) {
        if (!lines.next()) {
          continue;
        }
        nonEmpty.add(f);
        try {
          keys.add(new long[] {AuditJson.readRecord(lines.bytes(), 0, lines.length()).seq()});
        } catch (AuditFormatException e) {
          sortable = false;
          keys.add(new long[] {Long.MAX_VALUE});
        }
      } catch (IOException e) {
        throw new UncheckedIOException("could not read the audit log '" + f + "'", e);
      }
    }
    if (!sortable) {
      return nonEmpty;
    }
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < nonEmpty.size(); i++) {
      idx.add(i);
    }
    idx.sort(Comparator.comparingLong(i -> keys.get(i)[0]));
    List<Path> out = new ArrayList<>();
    idx.forEach(i -> out.add(nonEmpty.get(i)));
    return out;
  }
}
