package dev.jitguard.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Collects the problems of one load (a document, or the rules of a property source), so that every problem is
 * reported, not just the first.
 */
final class DocProblems {
  /** More problems than this are summarised: input that broken needs fixing from the top anyway. */
  static final int LIMIT = 100;

  /**
   * One problem.
   *
   * @param at where the offending node was written
   * @param path the field path as the input spells it
   * @param message what is wrong and how to fix it
   */
  record Found(DocNode.Pos at, String path, String message) {}

  private final String source;
  private final List<Found> problems = new ArrayList<>();
  private int dropped;

  DocProblems(String source) {
    this.source = source;
  }

  void add(DocNode.Pos at, String path, String message) {
    if (problems.size() >= LIMIT) {
      dropped++;
      return;
    }
    problems.add(new Found(at, path, message));
  }

  void add(int line, int column, String path, String message) {
    add(DocNode.Pos.of(line, column), path, message);
  }

  void add(DocNode at, String path, String message) {
    add(at.at(), path, message);
  }

  /** A problem with the whole document (size, readability, emptiness). */
  void addDocument(String message) {
    add(0, 0, "", message);
  }

  int count() {
    return problems.size() + dropped;
  }

  boolean isEmpty() {
    return problems.isEmpty();
  }

  /** @return the problems in the order found */
  List<Found> found() {
    return List.copyOf(problems);
  }

  /** @return how many problems were left out beyond {@link #LIMIT} */
  int dropped() {
    return dropped;
  }

  /** The problems of a document, in document order. */
  PolicyDocumentException toException() {
    List<PolicyDocumentException.Problem> sorted = new ArrayList<>();
    for (Found f : problems) {
      sorted.add(new PolicyDocumentException.Problem(source, f.at().line(), f.at().column(), f.path(), f.message()));
    }
    sorted.sort(Comparator.comparingInt(PolicyDocumentException.Problem::line)
        .thenComparingInt(PolicyDocumentException.Problem::column));
    if (dropped > 0) {
      sorted.add(new PolicyDocumentException.Problem(source, 0, 0, "", more()));
    }
    return new PolicyDocumentException(source, sorted);
  }

  String more() {
    return String.format(Locale.ROOT, "%d more problems were not listed; fix the ones above and load again", dropped);
  }
}
