package dev.jitguard.benchmarks;

import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.Subject;
import dev.jitguard.spi.GrantStore;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Issue 12, heap per live grant: a plain harness (not JMH) that measures the heap a guard and its in-memory store
 * keep for {@code n} live grants, next to a nested-map floor of the same data, and prints bytes per grant.
 *
 * <p>For each size given (default 100,000 and 1,000,000): the heap in use after a full GC (five
 * {@code System.gc()} calls, then {@code MemoryMXBean} heap used) is read before anything is built, after the grants
 * are stored ({@code n / 5} subjects × 5 privileges, each grant with its approved request, through the
 * {@link GrantStore} SPI as {@link ScaleFixtures} does), after a guard is built on the store (it loads the grants into
 * its check index) and every grant is checked once (the steady state: first use recorded), and after the floor is
 * built: a {@code ConcurrentHashMap<String, ConcurrentHashMap<Privilege, Long>>} of the same subjects, privileges and
 * expiry times. Differences divided by {@code n} give bytes per grant: the store's records, the guard's index, both,
 * and the floor.
 *
 * <p>Run from the repository root, with a heap large enough for a million grants and nothing else:
 * {@code java -Xms8g -Xmx8g -cp jit-benchmarks/target/benchmarks.jar dev.jitguard.benchmarks.HeapPerGrant
 * 100000 1000000}. G1 (the default); {@code System.gc()} is a full collection unless
 * {@code -XX:+ExplicitGCInvokesConcurrent} is set, which this harness refuses.
 */
public final class HeapPerGrant {
  private HeapPerGrant() {}

  /**
   * Measures each size given, or 100,000 and 1,000,000.
   *
   * @param args the sizes (live grants), each a multiple of 5
   */
  public static void main(String[] args) {
    if (ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .anyMatch(a -> a.contains("ExplicitGCInvokesConcurrent"))) {
      throw new IllegalStateException("System.gc() must be a full collection: drop -XX:+ExplicitGCInvokesConcurrent");
    }
    int[] sizes = args.length == 0 ? new int[] {100_000, 1_000_000} : new int[args.length];
    for (int i = 0; i < args.length; i++) {
      sizes[i] = Integer.parseInt(args[i].replace("_", "").replace(",", ""));
    }
    System.out.printf(Locale.ROOT, "heap per live grant; java %s, max heap %d MiB, %s%n",
        System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20,
        ManagementFactory.getRuntimeMXBean().getInputArguments());
    for (int n : sizes) {
      measure(n);
    }
  }

  private static void measure(int n) {
    long base = usedAfterGc();
    GrantStore store = GrantStore.inMemory();
    ScaleFixtures.loadLiveGrants(store, n, 1);
    long afterStore = usedAfterGc();

    PrivilegeGuard guard = ScaleFixtures.guard(store);
    int subjects = n / ScaleFixtures.PRIVILEGES_PER_SUBJECT;
    for (int i = 0; i < subjects; i++) {
      Subject s = Subject.of(ScaleFixtures.subjectId(i), "staff");
      for (Privilege p : ScaleFixtures.PRIVILEGES) {
        ScaleFixtures.expectGranted(guard.check(s, p), "check of " + s.id() + " " + p);
      }
    }
    long afterGuard = usedAfterGc();

    ConcurrentHashMap<String, ConcurrentHashMap<Privilege, Long>> floor = ScaleFixtures.nestedFloor(n);
    long afterFloor = usedAfterGc();

    System.out.printf(Locale.ROOT, "%,d live grants (%,d subjects x %d privileges): store %.0f B/grant, guard "
            + "index %.0f B/grant, guard + store %.0f B/grant, nested-map floor %.0f B/grant (guard + store = %.1fx "
            + "the floor, guard index alone = %.1fx)%n", n, subjects, ScaleFixtures.PRIVILEGES_PER_SUBJECT,
        perGrant(afterStore - base, n), perGrant(afterGuard - afterStore, n), perGrant(afterGuard - base, n),
        perGrant(afterFloor - afterGuard, n), (afterGuard - base) / (double) (afterFloor - afterGuard),
        (afterGuard - afterStore) / (double) (afterFloor - afterGuard));
    Reference.reachabilityFence(store);
    Reference.reachabilityFence(guard);
    Reference.reachabilityFence(floor);
    guard.close();
  }

  private static double perGrant(long bytes, int n) {
    return bytes / (double) n;
  }

  /** Heap in use after full collections (until it stops shrinking, at most five). */
  static long usedAfterGc() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      long now = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      if (now >= used) {
        return Math.min(now, used);
      }
      used = now;
    }
    return used;
  }
}
