package dev.jitguard.rule;

import dev.jitguard.InvalidInputException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * A weekly time window in a stated time zone, for example Monday to Friday 09:00–17:00 Europe/Berlin. The window is
 * half-open, {@code [from, to)}; a window whose {@code to} is before its {@code from} spans midnight and belongs to
 * the day it starts on.
 *
 * @param days the days the window starts on
 * @param from the local start time
 * @param to the local end time (exclusive)
 * @param zone the time zone the local times are in
 */
public record TimeWindow(Set<DayOfWeek> days, LocalTime from, LocalTime to, ZoneId zone) {
  /**
   * Validates.
   *
   * @param days see the record description
   * @param from see the record description
   * @param to see the record description
   * @param zone see the record description
   * @throws InvalidInputException if there are no days or the window is empty
   */
  public TimeWindow {
    Objects.requireNonNull(days, "days cannot be null");
    Objects.requireNonNull(from, "from cannot be null");
    Objects.requireNonNull(to, "to cannot be null");
    Objects.requireNonNull(zone, "zone cannot be null");
    if (days.isEmpty()) {
      throw new InvalidInputException("window.days", "window.days must name at least one day, for example [MONDAY]");
    }
    if (from.equals(to)) {
      throw new InvalidInputException("window.to", "window.to must differ from window.from (" + from
          + "); an empty window never matches");
    }
    days = Collections.unmodifiableSet(EnumSet.copyOf(days));
  }

  /**
   * Monday to Friday between two local times.
   *
   * @param from start, e.g. {@code LocalTime.of(9, 0)}
   * @param to end (exclusive)
   * @param zone the zone
   * @return the window
   */
  public static TimeWindow weekdays(LocalTime from, LocalTime to, ZoneId zone) {
    return new TimeWindow(EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), from, to, zone);
  }

  /**
   * Whether an instant falls in the window.
   *
   * @param instant the instant
   * @return true if inside
   */
  public boolean contains(Instant instant) {
    ZonedDateTime local = instant.atZone(zone);
    LocalTime t = local.toLocalTime();
    DayOfWeek day = local.getDayOfWeek();
    if (from.isBefore(to)) {
      return days.contains(day) && !t.isBefore(from) && t.isBefore(to);
    }
    // Spans midnight: the evening part belongs to today, the morning part to yesterday's window.
    return (days.contains(day) && !t.isBefore(from)) || (days.contains(day.minus(1)) && t.isBefore(to));
  }

  @Override
  public String toString() {
    return days + " " + from + "-" + to + " " + zone;
  }
}
