package io.shardscore.job.store;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardscore.job.config.JobConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Input and output compared where they really are: real folders and symbolic links. */
class PathOverlapTest {
  @TempDir Path dir;
  Path in;

  @BeforeEach
  void input() throws IOException {
    in = Files.createDirectories(dir.resolve("in"));
    Files.writeString(in.resolve("part-0.parquet"), "rows");
  }

  private static org.apache.hadoop.fs.Path file(Path p) {
    return new org.apache.hadoop.fs.Path(p.toUri());
  }

  private static String refused(org.apache.hadoop.fs.Path input, org.apache.hadoop.fs.Path output) {
    return assertThrows(JobConfigException.class, () -> PathOverlap.requireApart(input, output))
        .getMessage();
  }

  @Test
  void anOutputInsideTheInputIsRefusedWithoutSymbolicLinksInTheMessage() {
    String m = refused(file(in), file(in.resolve("scores")));
    assertTrue(m.contains("the output is inside the input."), m);
    assertTrue(!m.contains("symbolic links"), m);
  }

  @Test
  void aSiblingWithTheInputsNameAsPrefixIsApart() throws IOException {
    Path sibling = Files.createDirectories(dir.resolve("in-scores"));
    assertDoesNotThrow(() -> PathOverlap.requireApart(file(in), file(sibling)));
    assertDoesNotThrow(() -> PathOverlap.requireApart(file(in), file(dir.resolve("in2/x"))));
  }

  @Test
  void aRelativeLinkToAFolderInsideTheInputIsFollowed() throws IOException {
    Path nested = Files.createDirectories(in.resolve("nested"));
    Files.createSymbolicLink(dir.resolve("rel"), Path.of("in/nested"));
    String m = refused(file(in), file(dir.resolve("rel/scores")));
    assertTrue(m.contains("the output " + nested.toRealPath().resolve("scores")), m);
    assertTrue(m.contains("is inside the input " + in.toRealPath()), m);
  }

  @Test
  void aDanglingLinkIsFollowedToWhereItsFolderWouldBeCreated() throws IOException {
    Files.createSymbolicLink(dir.resolve("dangling"), in.resolve("not-yet"));
    String m = refused(file(in), file(dir.resolve("dangling")));
    assertTrue(m.contains("with symbolic links resolved"), m);
    assertTrue(m.contains("is inside the input"), m);
  }

  @Test
  void anInputReachedThroughALinkIntoTheOutputIsRefused() throws IOException {
    Path out = Files.createDirectories(dir.resolve("out"));
    Files.createDirectories(out.resolve("copy"));
    Files.createSymbolicLink(dir.resolve("input-link"), out.resolve("copy"));
    String m = refused(file(dir.resolve("input-link")), file(out));
    assertTrue(m.contains("the input " + out.toRealPath().resolve("copy") + " is inside"), m);
  }

  @Test
  void otherStoresCompareQualifiedUris() {
    org.apache.hadoop.fs.Path input = new org.apache.hadoop.fs.Path("s3a://bucket/customers");
    String m = refused(input, new org.apache.hadoop.fs.Path("s3a://bucket/customers/scores/"));
    assertTrue(m.contains("the output is inside the input."), m);
    assertTrue(
        refused(input, new org.apache.hadoop.fs.Path("s3a://bucket/"))
            .contains("the input is inside the output."));
    assertDoesNotThrow(
        () ->
            PathOverlap.requireApart(
                input, new org.apache.hadoop.fs.Path("s3a://other/customers/scores")));
    assertDoesNotThrow(
        () ->
            PathOverlap.requireApart(
                input, new org.apache.hadoop.fs.Path("s3a://bucket/customers-scores")));
  }
}
