package io.shardscore.job.run;

import io.shardscore.job.change.ChangePlan;
import io.shardscore.job.change.ShardChange;
import io.shardscore.job.commit.ConcurrentCommitException;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.commit.OutputPaths;
import io.shardscore.job.commit.PendingJournal;
import io.shardscore.job.commit.PendingRun;
import io.shardscore.job.commit.ShardCommitter;
import io.shardscore.job.config.OutputMode;
import io.shardscore.job.error.ScoringFailedException;
import io.shardscore.job.report.Phase;
import io.shardscore.job.report.RunObservations;
import io.shardscore.job.report.RunReport;
import io.shardscore.job.result.ScoreResult;
import io.shardscore.job.store.FaultInjection;
import io.shardscore.sharding.ShardPlacement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;

/**
 * One attempt of a prepared run, step by step (docs/commit-protocol.md names the same steps):
 * finish the last commit, nothing-to-do, resume, placement, journal, scoring stage, add-up and
 * error budget, next manifest, commit, result and report.
 */
public final class ScoreRun {
  private static final Logger LOG = LogManager.getLogger(ScoreRun.class);

  private ScoreRun() {}

  public static ScoreResult execute(SparkSession spark, PreparedRun p) {
    RunProgress progress = RunProgress.start(spark.sparkContext(), p);
    try {
      return execute(spark, p, progress);
    } finally {
      progress.close();
    }
  }

  private static ScoreResult execute(SparkSession spark, PreparedRun p, RunProgress progress) {
    OutputLocation out = p.output();
    ShardCommitter committer = OutputTables.publishing(spark, p.config(), out);
    PendingJournal journal = out.journal();
    requireBaseIsNewest(p, committer);
    // Finish what a crash after the newest commit left undone: its moves, its journal and staging,
    // the refresh of output.table, and the sweep of what it superseded. All of it is idempotent.
    out.previous()
        .ifPresent(
            m -> {
              committer.ensureInPlace(m);
              ShardResume.forgetCommitted(journal, m);
              if (committer.publish(m)) {
                committer.sweep(m);
              }
            });
    ChangePlan changes = p.changes();
    if (p.config().output().outputMode() == OutputMode.INCREMENTAL
        && out.previous().isPresent()
        && changes.nothingToDo()) {
      Manifest current = out.previous().get();
      LOG.info(
          "Nothing changed since version {} of {}; nothing scored, nothing committed",
          current.version(),
          out.root());
      long ended = System.currentTimeMillis();
      return RunResults.of(p, current, StagedRun.NOTHING, false, spark, ended)
          .withPhaseMillis(millisByPhase(RunPhases.nothingToDo(p, ended).phases()));
    }

    // Resume: shards an earlier attempt finished with the same inputs are taken over, not scored.
    String attemptId = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    Path staging = out.staging(p.runId(), attemptId);
    ShardResume resume =
        new ShardResume(
            p.shards(),
            p.detected().census(),
            p.modelDigest(),
            id -> p.identity(p.shards().shard(id)));
    Set<Integer> toScore = new HashSet<>(changes.shardIdsToScore());
    ShardResume.Resumed resumed =
        p.detected().census().fingerprinted()
            ? resume.finished(journal, toScore, out.fs()).adoptInto(out.fs(), staging)
            : ShardResume.Resumed.none();
    toScore.removeAll(resumed.outcomes().keySet());

    // Placement, journal, scoring stage.
    long[] rowsPerShard = new long[p.shards().shards().size()];
    toScore.forEach(id -> rowsPerShard[id] = changes.of(id).rows());
    ShardPlacement placement =
        ShardPlacement.plan(rowsPerShard, p.config().sharding().maxRowsPerPartition());
    PendingRun own = null;
    StagedRun staged = StagedRun.NOTHING;
    long scoringStarted = System.currentTimeMillis();
    if (placement.totalPartitions() > 0) {
      own =
          resume.record(
              journal, p.runId(), attemptId, out.baseVersion(), placement, toScore, staging);
      FaultInjection.check(FaultInjection.AFTER_JOURNAL);
      scoringStarted = System.currentTimeMillis();
      staged = ScoringStage.run(spark, p, placement, toScore, staging, attemptId, progress);
    }
    long scoringDone = System.currentTimeMillis();
    long[] taskTime = taskTime(staged);
    staged = staged.plusResumed(resumed.outcomes());
    FaultInjection.check(FaultInjection.AFTER_STAGING);

    // Add up and check the error budget; then the next manifest and the commit.
    requireRowsAddUp(p, staged, journal, own);
    requireWithinBudget(p, staged, staging);
    Manifest next = NextManifest.build(p, staged, attemptId);
    long commitStarted = System.currentTimeMillis();
    committer.commit(next, consumedJournals(p, journal, resumed, own));

    progress.close(); // every event of the run seen: its figures are complete
    long ended = System.currentTimeMillis();
    RunPhases phases =
        new RunPhases(
            p.startedMillis(),
            p.censusStartedMillis(),
            p.preparedMillis(),
            scoringStarted,
            progress.placementDoneMillis(),
            scoringDone,
            commitStarted,
            ended,
            taskTime[0],
            taskTime[1]);
    RunObservations observed =
        new RunObservations(phases.phases(), progress.io(), progress.executorMemory());
    ScoreResult result =
        RunResults.of(p, next, staged, true, spark, ended)
            .withPhaseMillis(millisByPhase(observed.phases()));
    try {
      RunReport.write(out.fs(), out.root(), result, next, observed, p.config());
    } catch (RuntimeException e) {
      LOG.warn("Committed, but could not write the run report: {}", e.toString());
    }
    LOG.info(
        "Committed {} version {}: {} shards scored, {} kept; {} rows processed ({} rejected); {} ms",
        out.root(),
        next.version(),
        changes.shardsToScore(),
        changes.changes().stream().filter(c -> c.status().keepsPrevious()).count(),
        staged.rowsIn(),
        staged.rowsRejected(),
        result.elapsedMillis());
    return result;
  }

  /** Model time and whole task time of this attempt's tasks (resumed shards ran earlier). */
  private static long[] taskTime(StagedRun staged) {
    long[] nanos = new long[2];
    staged.byShard().values().stream()
        .flatMap(List::stream)
        .forEach(
            o -> {
              nanos[0] += o.modelNanos();
              nanos[1] += o.taskNanos();
            });
    return nanos;
  }

  private static Map<String, Long> millisByPhase(List<Phase> phases) {
    Map<String, Long> out = new LinkedHashMap<>();
    phases.forEach(ph -> out.put(ph.name(), ph.millis()));
    return out;
  }

  /**
   * The version a run was prepared against must still be the newest: a prepared run executed again,
   * or after another writer committed, would otherwise roll its stale base forward (putting {@code
   * manifest.json} back to it, or failing as if the output were damaged) and then score everything
   * only to lose at the commit point.
   */
  private static void requireBaseIsNewest(PreparedRun p, ShardCommitter committer) {
    Optional<Manifest> newest = committer.store().current();
    Optional<Manifest> base = p.output().previous();
    boolean same =
        newest.isEmpty() ? base.isEmpty() : base.isPresent() && newest.get().sameCommit(base.get());
    if (same) {
      return;
    }
    throw new ConcurrentCommitException(
        "This run was prepared against "
            + base.map(m -> "version " + m.version()).orElse("no commit")
            + " of "
            + p.output().root()
            + ", but version "
            + newest.map(Manifest::version).orElse(0L)
            + " is the newest now (another run committed since, or this prepared run was executed"
            + " already). Nothing was scored or changed; prepare the run again.");
  }

  private static void requireRowsAddUp(
      PreparedRun p, StagedRun staged, PendingJournal journal, PendingRun own) {
    long expected = expectedRows(p);
    if (staged.rowsIn() == expected) {
      return;
    }
    if (own != null) {
      journal.remove(own); // rows of an input that changed mid-run: nothing to resume
    }
    throw new ScoringFailedException(
        ScoringFailedException.Reason.ROWS_DO_NOT_ADD_UP,
        "Tasks read "
            + staged.rowsIn()
            + " rows but the input had "
            + expected
            + " in the shards to score when counted; the input changed while the job ran."
            + " Nothing was committed; rerun once the input is stable.");
  }

  /** Rows the census counted in the shards to score (this attempt's and resumed ones). */
  private static long expectedRows(PreparedRun p) {
    long rows = 0;
    for (int id : p.changes().shardIdsToScore()) {
      rows += p.changes().of(id).rows();
    }
    return rows;
  }

  private static void requireWithinBudget(PreparedRun p, StagedRun staged, Path staging) {
    long expected = expectedRows(p);
    double errorFraction = expected == 0 ? 0 : (double) staged.rowsRejected() / expected;
    double allowed = p.config().scoring().maxErrorFraction();
    if (errorFraction <= allowed) {
      return;
    }
    Path rejected = new Path(staging, OutputPaths.ERRORS_DIR);
    throw new ScoringFailedException(
        ScoringFailedException.Reason.ERROR_BUDGET_EXCEEDED,
        String.format(
            Locale.ROOT,
            "%d of %d rows (%.4f%%) could not be scored, more than scoring.max-error-fraction"
                + " %.4f%% allows. Nothing was committed; %s. %s"
                + " Fix the input or raise max-error-fraction, then rerun.",
            staged.rowsRejected(),
            expected,
            errorFraction * 100,
            allowed * 100,
            p.output().visibleAfterFailure(),
            p.output().holdsFiles(rejected)
                ? "This run's rejected rows, with reasons, are kept for inspection under "
                    + rejected
                    + "."
                : "No files of rejected rows were found under " + rejected + "."));
  }

  /**
   * Journals the commit makes useless: this attempt's, those whose every shard it commits, and
   * stale ones.
   */
  private static List<PendingRun> consumedJournals(
      PreparedRun p, PendingJournal journal, ShardResume.Resumed resumed, PendingRun own) {
    Set<String> committedShards = new HashSet<>();
    p.changes().changes().stream()
        .filter(c -> c.status().scores())
        .map(ShardChange::name)
        .forEach(committedShards::add);
    List<PendingRun> done = new ArrayList<>(resumed.consumedBy(committedShards));
    if (own != null) {
      done.add(own);
    }
    for (PendingRun stale : ShardResume.stale(journal, System.currentTimeMillis())) {
      if (!done.contains(stale)) {
        done.add(stale);
      }
    }
    return done;
  }
}
