package dev.jitguard.audit.cli;

import dev.jitguard.audit.AuditFormatException;
import dev.jitguard.audit.AuditKeys;
import dev.jitguard.audit.AuditLogReader;
import dev.jitguard.audit.AuditTimeline;
import dev.jitguard.audit.AuditVerifier;
import dev.jitguard.audit.VerificationResult;
import dev.jitguard.audit.VerifiedState;
import dev.jitguard.internal.util.Ids;
import dev.jitguard.internal.util.Text;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonWriteFeature;

/**
 * Verifies a JIT Guard audit log from the command line.
 *
 * <pre>
 * java -cp jit-core.jar:jackson-core.jar:jackson-databind.jar:jackson-annotations.jar:slf4j-api.jar:jspecify.jar \
 *     dev.jitguard.audit.cli.VerifyCommand --log audit*.jsonl --public-key audit-key.pub.pem \
 *     [--checkpoints checkpoints.jsonl] [--state audit-state.json [--update-state]] [--log-id ID] \
 *     [--max-staleness PT5M] [--timeline REQUEST_OR_GRANT_ID] [--json]
 * </pre>
 *
 * <p>Exit codes: {@value #OK} OK, {@value #TAMPERED} TAMPERED, {@value #UNVERIFIED_TAIL} UNVERIFIED_TAIL,
 * {@value #ROLLBACK} ROLLBACK, {@value #STALE} STALE (only with {@code --max-staleness}), {@value #TORN_TAIL}
 * TORN_TAIL (the last line has no line feed: a write was cut short, not tampering), {@value #USAGE} usage error,
 * {@value #UNREADABLE} unreadable input (a missing or unreadable file, a key or state file that is not one). Output
 * is printable ASCII: every piece of text from the log is escaped.
 */
public final class VerifyCommand {
  /** Everything verified. */
  public static final int OK = 0;
  /** The log or its checkpoint file was changed. */
  public static final int TAMPERED = 1;
  /** Records after the last checkpoint. */
  public static final int UNVERIFIED_TAIL = 2;
  /** The log contradicts the remembered state. */
  public static final int ROLLBACK = 3;
  /** The last checkpoint is older than {@code --max-staleness}. */
  public static final int STALE = 4;
  /** The last line has no line feed: a write was cut short (a full disk, a crash); the records before it verify. */
  public static final int TORN_TAIL = 5;
  /** Bad command line (EX_USAGE). */
  public static final int USAGE = 64;
  /** An input could not be read or is not what it should be (EX_DATAERR). */
  public static final int UNREADABLE = 65;

  static final String HELP = String.join("\n",
      "Usage: VerifyCommand --log FILE... --public-key KEY.pem [options]",
      "",
      "Verifies a JIT Guard audit log: the hash chain, the signed checkpoints, and optionally a checkpoint file",
      "and the state remembered from the last verification.",
      "",
      "  --log FILE...            the log's files (the active file and its rotated ones, any order); repeatable",
      "  --public-key KEY.pem     an Ed25519 public key (X.509 PEM) whose checkpoints are trusted; repeatable",
      "  --checkpoints FILE       the separate checkpoint file written by the sink; repeatable",
      "  --state STATE.json       the state remembered from the last verification (ROLLBACK if contradicted)",
      "  --update-state           write the new state to --state after a verdict other than TAMPERED/ROLLBACK",
      "                           (creates the file on the first run)",
      "  --log-id ID              require every checkpoint to name this log",
      "  --max-staleness DURATION STALE if the last checkpoint is older (PT5M, 5m, 2h, 1d)",
      "  --timeline ID            also print the timeline of this request or grant id",
      "  --json                   print JSON instead of text",
      "  --help                   print this help",
      "",
      "Exit codes: 0 OK, 1 TAMPERED, 2 UNVERIFIED_TAIL, 3 ROLLBACK, 4 STALE, 5 TORN_TAIL, 64 usage error,",
      "65 unreadable input. TORN_TAIL is a warning, not tampering: the last line has no line feed because a write",
      "was cut short (a full disk, a crash); the records before it verify, and the writer cuts it off and records",
      "the cut in the chain when it writes again.",
      "");

  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");
  private static final JsonFactory JSON = JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

  private final PrintStream out;
  private final PrintStream err;
  private final Clock clock;

  /**
   * A command printing to these streams.
   *
   * @param out where results go
   * @param err where usage errors and read failures go
   */
  public VerifyCommand(PrintStream out, PrintStream err) {
    this(out, err, Clock.systemUTC());
  }

  /**
   * A command with its own clock, for ages and staleness (tests).
   *
   * @param out where results go
   * @param err where usage errors and read failures go
   * @param clock the clock
   */
  public VerifyCommand(PrintStream out, PrintStream err, Clock clock) {
    this.out = Objects.requireNonNull(out, "out cannot be null");
    this.err = Objects.requireNonNull(err, "err cannot be null");
    this.clock = Objects.requireNonNull(clock, "clock cannot be null");
  }

  /**
   * Runs the command and exits the JVM with its code.
   *
   * @param args the arguments
   */
  public static void main(String[] args) {
    System.exit(new VerifyCommand(System.out, System.err).run(args));
  }

  /** The parsed command line. */
  private static final class Options {
    final List<Path> logs = new ArrayList<>();
    final List<Path> keys = new ArrayList<>();
    final List<Path> checkpoints = new ArrayList<>();
    @Nullable Path state;
    boolean updateState;
    @Nullable String logId;
    @Nullable Duration maxStaleness;
    @Nullable String timeline;
    boolean json;
    boolean help;
  }

  /** A bad command line; the message says what is wrong. */
  private static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /**
   * Runs the command without exiting.
   *
   * @param args the arguments
   * @return the exit code
   */
  public int run(String[] args) {
    Options o;
    try {
      o = parse(args);
    } catch (UsageException e) {
      err.println("error: " + e.getMessage());
      err.println("Run with --help for usage.");
      return USAGE;
    }
    if (o.help) {
      out.print(HELP);
      return OK;
    }

    AuditVerifier.Builder b = AuditVerifier.builder().withClock(clock);
    try {
      for (Path k : o.keys) {
        b.withPublicKey(AuditKeys.readPublicKey(k));
      }
      for (Path f : o.logs) {
        requireReadable(f, "log file");
      }
      for (Path f : o.checkpoints) {
        requireReadable(f, "checkpoint file");
        b.withCheckpointFile(f);
      }
      if (o.state != null) {
        if (Files.exists(o.state)) {
          b.withRememberedState(VerifiedState.read(o.state));
        } else if (!o.updateState) {
          throw new UnreadableException("the state file '" + o.state + "' does not exist; pass --update-state to "
              + "create it on this first run");
        }
      }
    } catch (UnreadableException | UncheckedIOException | IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return UNREADABLE;
    }
    if (o.logId != null) {
      b.withLogId(o.logId);
    }
    if (o.maxStaleness != null) {
      b.withMaxStaleness(o.maxStaleness);
    }

    VerificationResult result;
    Optional<AuditTimeline> timeline = Optional.empty();
    String timelineProblem = null;
    try {
      result = b.build().verify(o.logs);
      if (o.timeline != null) {
        try {
          timeline = Optional.of(AuditTimeline.of(AuditLogReader.readEvents(o.logs), o.timeline));
        } catch (AuditFormatException e) {
          timelineProblem = "the timeline is not available, a line of the log cannot be read: " + e.getMessage();
        }
      }
    } catch (UncheckedIOException e) {
      err.println("error: " + e.getMessage() + (e.getCause() != null ? " (" + e.getCause() + ")" : ""));
      return UNREADABLE;
    }

    String stateWritten = null;
    if (o.updateState && o.state != null && result.newState().isPresent()) {
      try {
        result.newState().get().write(o.state);
        stateWritten = o.state.toString();
      } catch (UncheckedIOException e) {
        err.println("error: " + e.getMessage());
        return UNREADABLE;
      }
    }

    if (o.json) {
      out.println(json(result, timeline, timelineProblem, stateWritten));
    } else {
      out.println(result.describe());
      if (stateWritten != null) {
        out.println("State written to " + stateWritten + ": seq " + result.summary().lastSeq() + ".");
      }
      if (timelineProblem != null) {
        out.println(timelineProblem);
      }
      timeline.ifPresent(t -> out.print("\n" + t.toText()));
    }
    return result.status().exitCode();
  }

  private static String json(VerificationResult result, Optional<AuditTimeline> timeline,
      @Nullable String timelineProblem, @Nullable String stateWritten) {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), w)) {
      g.writeStartObject();
      g.writeStringProperty("status", result.status().name());
      g.writeNumberProperty("exit_code", result.status().exitCode());
      g.writeName("result");
      g.writeRawValue(result.toJson());
      if (stateWritten != null) {
        g.writeStringProperty("state_written", stateWritten);
      }
      if (timeline.isPresent()) {
        g.writeName("timeline");
        g.writeRawValue(timeline.get().toJson());
      }
      if (timelineProblem != null) {
        g.writeStringProperty("timeline_error", timelineProblem);
      }
      g.writeEndObject();
    }
    return w.toString();
  }

  /** An input that is missing or is not what it should be. */
  private static final class UnreadableException extends Exception {
    private static final long serialVersionUID = 1L;

    UnreadableException(String message) {
      super(message);
    }
  }

  private static void requireReadable(Path f, String what) throws UnreadableException {
    if (!Files.isRegularFile(f) || !Files.isReadable(f)) {
      throw new UnreadableException("the " + what + " '" + f + "' does not exist or cannot be read");
    }
  }

  private static Options parse(String[] args) throws UsageException {
    Options o = new Options();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--log" -> {
          int before = o.logs.size();
          while (i + 1 < args.length && !args[i + 1].startsWith("--")) {
            o.logs.add(Path.of(args[++i]));
          }
          if (o.logs.size() == before) {
            throw new UsageException("--log needs at least one file");
          }
        }
        case "--public-key" -> o.keys.add(Path.of(value(args, ++i, a)));
        case "--checkpoints" -> o.checkpoints.add(Path.of(value(args, ++i, a)));
        case "--state" -> {
          if (o.state != null) {
            throw new UsageException("--state was given twice");
          }
          o.state = Path.of(value(args, ++i, a));
        }
        case "--update-state" -> o.updateState = true;
        case "--log-id" -> {
          String v = value(args, ++i, a);
          if (!v.matches("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")) {
            throw new UsageException("--log-id " + Text.quote(v) + " is not a log id (1 to 64 characters of A-Z, "
                + "a-z, 0-9, '.', '_', ':' or '-')");
          }
          o.logId = v;
        }
        case "--max-staleness" -> o.maxStaleness = duration(value(args, ++i, a));
        case "--timeline" -> {
          String v = value(args, ++i, a);
          if (!Ids.isValid(v)) {
            throw new UsageException("--timeline " + Text.quote(v) + " is not a request or grant id (32 lowercase "
                + "hex characters)");
          }
          o.timeline = v;
        }
        case "--json" -> o.json = true;
        case "--help", "-h" -> o.help = true;
        default -> throw new UsageException("unknown argument " + Text.quote(a));
      }
    }
    if (o.help) {
      return o;
    }
    if (o.logs.isEmpty()) {
      throw new UsageException("--log FILE... is required");
    }
    if (o.keys.isEmpty()) {
      throw new UsageException("--public-key KEY.pem is required (the Ed25519 public key of the log's signer)");
    }
    if (o.updateState && o.state == null) {
      throw new UsageException("--update-state needs --state FILE");
    }
    return o;
  }

  private static String value(String[] args, int i, String option) throws UsageException {
    if (i >= args.length || args[i].startsWith("--")) {
      throw new UsageException(option + " needs a value");
    }
    return args[i];
  }

  static Duration duration(String v) throws UsageException {
    Matcher m = SHORT_DURATION.matcher(v.toLowerCase(Locale.ROOT));
    Duration d;
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      d = switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    } else {
      try {
        d = Duration.parse(v);
      } catch (DateTimeParseException e) {
        throw new UsageException("--max-staleness " + Text.quote(v) + " is not a duration; use ISO-8601 (PT15M) or "
            + "a number with ms, s, m, h or d (15m)");
      }
    }
    if (d.isNegative() || d.isZero()) {
      throw new UsageException("--max-staleness must be positive, but was " + d);
    }
    return d;
  }
}
