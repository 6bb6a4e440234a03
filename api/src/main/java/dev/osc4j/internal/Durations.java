package dev.osc4j.internal;

import java.time.Duration;

/** Formats durations for people: {@code 1h02m}, {@code 3m05s}, {@code 12.5s}, {@code 250ms}. */
final class Durations {
    private Durations() {}

    /** A short human form. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        long s = d.toSeconds();
        if (s < 60) {
            long tenths = (ms % 1000) / 100;
            return tenths == 0 ? s + "s" : s + "." + tenths + "s";
        }
        if (s < 3600) {
            return String.format(java.util.Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(java.util.Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
