package dev.jitguard.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A disk that fills up, for the file sink's channels ({@link FileAuditSink.Builder#withChannels}): with {@code n} bytes
 * free, a write writes what fits and returns the count, and the next one fails with "No space left on device", as
 * {@code write(2)} does on a full disk; truncating a file frees its bytes. Forcing can be made to fail too.
 */
final class FillingDisk implements LogChannels {
  private static final long PLENTY = 1L << 50;

  private final AtomicLong free = new AtomicLong(PLENTY);
  private volatile boolean forceFails;
  /** Writes refused for want of space. */
  final AtomicInteger refusedWrites = new AtomicInteger();

  /** Leaves only this many bytes free. */
  void fill(long leaveFree) {
    free.set(leaveFree);
  }

  /** Space returns. */
  void makeRoom() {
    free.set(PLENTY);
    forceFails = false;
  }

  /** Makes {@code force} fail (the data reached the file, its flush to the device failed). */
  void failForce() {
    forceFails = true;
  }

  long free() {
    return free.get();
  }

  @Override
  public FileChannel open(Path file, OpenOption... options) throws IOException {
    return new Channel(FileChannel.open(file, options));
  }

  private final class Channel extends FileChannel {
    private final FileChannel d;

    Channel(FileChannel d) {
      this.d = d;
    }

    private int charged(ByteBuffer src, IoCall call) throws IOException {
      int want = src.remaining();
      if (want == 0) {
        return call.write(src);
      }
      long room = free.get();
      if (room <= 0) {
        refusedWrites.incrementAndGet();
        throw new IOException("No space left on device");
      }
      int n;
      if (want > room) {
        ByteBuffer part = src.duplicate();
        part.limit(part.position() + (int) room);
        n = call.write(part);
        src.position(src.position() + n);
      } else {
        n = call.write(src);
      }
      free.addAndGet(-n);
      return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      return charged(src, d::write);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      return charged(src, b -> d.write(b, position));
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      long n = 0;
      for (int i = offset; i < offset + length; i++) {
        n += write(srcs[i]);
      }
      return n;
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      long before = d.size();
      d.truncate(size);
      free.addAndGet(Math.max(0, before - d.size()));
      return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      if (forceFails) {
        throw new IOException("Input/output error (fsync)");
      }
      d.force(metaData);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return d.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      return d.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return d.read(dst, position);
    }

    @Override
    public long position() throws IOException {
      return d.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      d.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return d.size();
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
      throw new UnsupportedOperationException("not used by the sink");
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
      throw new UnsupportedOperationException("not used by the sink");
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
      throw new UnsupportedOperationException("not used by the sink");
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
      return d.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return d.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      d.close();
    }
  }

  @FunctionalInterface
  private interface IoCall {
    int write(ByteBuffer b) throws IOException;
  }
}
