package dev.jitguard.audit;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * Opens the channels through which the file sink writes, truncates and forces its active log file. Production code
 * always uses {@link #DEFAULT}; tests put in a channel that fails half-way through a write, as a full disk does.
 */
@FunctionalInterface
interface LogChannels {
  /** {@link FileChannel#open(Path, OpenOption...)}. */
  LogChannels DEFAULT = FileChannel::open;

  /**
   * Opens a channel on the file.
   *
   * @param file the file
   * @param options how to open it
   * @return the channel
   * @throws IOException if it cannot be opened
   */
  FileChannel open(Path file, OpenOption... options) throws IOException;
}
