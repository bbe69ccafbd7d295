package io.shardscore.job.report;

/**
 * One phase of a run and the wall time it took on the driver, e.g. {@code setup and checks}, {@code
 * census and fingerprints}, {@code scoring}, {@code commit}.
 *
 * @param name the phase, in the words the summary prints
 * @param millis wall time of the phase
 */
public record Phase(String name, long millis) {}
