package dev.jitguard.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** Collects the problems of one document load, so that every problem is reported, not just the first. */
final class DocProblems {
  /** More problems than this are summarised: a document that broken needs fixing from the top anyway. */
  static final int LIMIT = 100;

  private final String source;
  private final List<PolicyDocumentException.Problem> problems = new ArrayList<>();
  private int dropped;

  DocProblems(String source) {
    this.source = source;
  }

  String source() {
    return source;
  }

  void add(int line, int column, String path, String message) {
    if (problems.size() >= LIMIT) {
      dropped++;
      return;
    }
    problems.add(new PolicyDocumentException.Problem(source, line, column, path, message));
  }

  void add(DocNode at, String path, String message) {
    add(at.line(), at.column(), path, message);
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

  PolicyDocumentException toException() {
    List<PolicyDocumentException.Problem> sorted = new ArrayList<>(problems);
    sorted.sort(Comparator.comparingInt(PolicyDocumentException.Problem::line)
        .thenComparingInt(PolicyDocumentException.Problem::column));
    if (dropped > 0) {
      sorted.add(new PolicyDocumentException.Problem(source, 0, 0, "", String.format(Locale.ROOT,
          "%d more problems were not listed; fix the ones above and load again", dropped)));
    }
    return new PolicyDocumentException(source, sorted);
  }
}
