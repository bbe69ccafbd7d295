package io.shardscore.job.run;

import io.shardscore.job.change.ShardChange;
import io.shardscore.job.commit.InputFile;
import io.shardscore.job.commit.Manifest;
import io.shardscore.job.commit.TaskOutcome;
import io.shardscore.job.commit.WrittenFile;
import io.shardscore.job.error.ScoringFailedException;
import io.shardscore.model.ModelSpec;
import io.shardscore.sharding.Shard;
import io.shardscore.sharding.ShardPlan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The manifest a run commits: every shard of the plan with the files that hold its committed rows —
 * kept from the previous commit, or staged by this run and moved into place after the commit point
 * — and the previous files it supersedes.
 */
final class NextManifest {
  private NextManifest() {}

  static Manifest build(PreparedRun p, StagedRun staged, String attemptId) {
    Optional<Manifest> previous = p.output().previous();
    ShardPlan plan = p.shards();
    Map<String, Manifest.ShardEntry> before = new HashMap<>();
    previous.ifPresent(m -> m.shards().forEach(e -> before.put(e.name(), e)));
    List<Manifest.ShardEntry> shards = new ArrayList<>();
    List<Manifest.Move> moves = new ArrayList<>();
    for (Shard s : plan.shards()) {
      ShardChange change = p.changes().of(s.id());
      List<InputFile> inputFiles =
          p.input().snapshot().map(x -> x.overlapping(plan, s)).orElse(null);
      if (change.status() == ShardChange.Status.KEPT) {
        // Not scored by this run: keep what its fingerprint was taken over, not today's files.
        shards.add(before.get(s.name()).withId(s.id()));
      } else if (change.status().keepsPrevious()) {
        // Unchanged: this run's census fingerprint (equal to the committed one) covers today's
        // files.
        Manifest.ShardEntry e = before.get(s.name());
        shards.add(
            new Manifest.ShardEntry(
                s.id(),
                e.name(),
                e.rows(),
                e.errorRows(),
                e.files(),
                e.errorFiles(),
                e.fingerprint(),
                e.modelDigest(),
                e.settingsDigest(),
                e.scoredBy(),
                p.rows().fingerprintColumns(),
                inputFiles));
      } else if (change.status().scores()) {
        shards.add(scored(p, s, staged, inputFiles, moves));
      }
    }
    ModelSpec spec = p.model().spec();
    Manifest draft =
        new Manifest(
            Manifest.FORMAT,
            previous.map(m -> m.version() + 1).orElse(1L),
            previous.map(Manifest::version).orElse(null),
            previous.map(Manifest::storeId).orElse(UUID.randomUUID().toString()),
            p.runId(),
            attemptId,
            Instant.now().toString(),
            p.config().output().mode(),
            new Manifest.ModelEntry(
                spec.location(), spec.engine().djlName(), spec.digest(), staged.deviceLines()),
            PlanCodec.planEntry(plan),
            p.rows().settingsDigest(),
            shards,
            p.detected().inputEntry(),
            moves,
            List.of(),
            0);
    List<String> supersedes = new ArrayList<>();
    Set<String> live = draft.liveFiles();
    previous.ifPresent(
        m ->
            m.liveFiles().stream()
                .filter(f -> !live.contains(f))
                .sorted()
                .forEach(supersedes::add));
    long retainUntil =
        System.currentTimeMillis() + p.config().output().retentionPeriod().toMillis();
    return draft.onTarget(moves, supersedes, retainUntil);
  }

  /** A shard this run scored (or resumed): its staged files, moved into place after the commit. */
  private static Manifest.ShardEntry scored(
      PreparedRun p,
      Shard s,
      StagedRun staged,
      List<InputFile> inputFiles,
      List<Manifest.Move> moves) {
    List<Manifest.FileEntry> files = new ArrayList<>();
    List<Manifest.FileEntry> errors = new ArrayList<>();
    long rows = 0;
    long errorRows = 0;
    for (TaskOutcome o : staged.outcomes(s.id())) {
      if (o.data() != null) {
        files.add(entry(o.data()));
        moves.add(new Manifest.Move(o.dataStagedAs(), o.data().path()));
        rows += o.data().rows();
      }
      if (o.errors() != null) {
        errors.add(entry(o.errors()));
        moves.add(new Manifest.Move(o.errorsStagedAs(), o.errors().path()));
        errorRows += o.errors().rows();
      }
    }
    return new Manifest.ShardEntry(
        s.id(),
        s.name(),
        rows,
        errorRows,
        files,
        errors,
        scoredFingerprint(p, s, staged),
        p.modelDigest(),
        p.identity(s),
        p.runId(),
        p.rows().fingerprintColumns(),
        inputFiles);
  }

  /**
   * The fingerprint of the rows the tasks actually scored for a shard; when the census also
   * fingerprinted the shard, both must agree or the input changed while the job ran.
   */
  private static String scoredFingerprint(PreparedRun p, Shard s, StagedRun staged) {
    String scored = staged.fingerprint(s.id()).encoded();
    String planned = p.detected().census().fingerprint(s.id());
    if (planned != null && !planned.equals(scored)) {
      throw new ScoringFailedException(
          ScoringFailedException.Reason.ROWS_DO_NOT_ADD_UP,
          "Shard "
              + s.name()
              + " read other rows while scoring than when planned (fingerprint "
              + scored
              + " vs "
              + planned
              + "): the input changed while the job ran. Nothing was committed; rerun once the"
              + " input is stable.");
    }
    return scored;
  }

  private static Manifest.FileEntry entry(WrittenFile f) {
    return new Manifest.FileEntry(f.path(), f.rows(), f.bytes(), f.crc32c());
  }
}
