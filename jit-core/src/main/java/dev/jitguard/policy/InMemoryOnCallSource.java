package dev.jitguard.policy;

import dev.jitguard.internal.util.Identifiers;
import dev.jitguard.spi.OnCallSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** An {@link OnCallSource} held in memory: {@link #set} who is on call now. Thread-safe. For tests and examples. */
public final class InMemoryOnCallSource implements OnCallSource {
  private final Map<String, List<String>> rota = new ConcurrentHashMap<>();

  /** Creates an empty source. */
  public InMemoryOnCallSource() {}

  /**
   * Sets who is on call for a schedule, replacing the previous rota.
   *
   * @param schedule the schedule
   * @param subjectIds subject ids (canonicalised)
   * @return this source
   */
  public InMemoryOnCallSource set(String schedule, String... subjectIds) {
    List<String> ids = new ArrayList<>();
    for (String s : subjectIds) {
      ids.add(Identifiers.canonical("onCall.subjects", s));
    }
    rota.put(schedule, List.copyOf(ids));
    return this;
  }

  @Override
  public List<String> onCall(String schedule, Instant at) {
    return rota.getOrDefault(schedule, List.of());
  }
}
