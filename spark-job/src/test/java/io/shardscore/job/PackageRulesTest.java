package io.shardscore.job;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.shardscore.job.row.ColumnNames;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package structure of spark-job: no cycles between its packages (the root package, the API,
 * counts as one), and the low layers know nothing of the ones above them.
 */
class PackageRulesTest {
  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.shardscore.job");
  }

  @Test
  void packagesHaveNoCycles() {
    slices()
        .matching("io.shardscore.job.(**)")
        .namingSlices("$1")
        .should()
        .beFreeOfCycles()
        .check(main);
  }

  @Test
  void theRootPackageIsTheApiAndNothingBelowItDependsOnIt() {
    noClasses()
        .that()
        .resideOutsideOfPackages("io.shardscore.job", "io.shardscore.job.cli")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.shardscore.job")
        .check(main);
  }

  @Test
  void onlyTheCommandLineDependsOnTheCommandLine() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.shardscore.job.cli..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.shardscore.job.cli..")
        .check(main);
  }

  @Test
  void configurationAndErrorsAreTheBottomLayer() {
    noClasses()
        .that()
        .resideInAnyPackage("io.shardscore.job.config..", "io.shardscore.job.error..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.shardscore.job",
            "io.shardscore.job.change..",
            "io.shardscore.job.cli..",
            "io.shardscore.job.commit..",
            "io.shardscore.job.metrics..",
            "io.shardscore.job.plan..",
            "io.shardscore.job.plugin..",
            "io.shardscore.job.report..",
            "io.shardscore.job.result..",
            "io.shardscore.job.run..",
            "io.shardscore.job.score..",
            "io.shardscore.job.store..",
            "io.shardscore.job.sync..")
        .check(main);
  }

  /** Spark methods that parse a column name given as text, as an attribute path or as SQL. */
  private static final Set<String> PARSING_NAMES =
      Set.of(
          "col",
          "column",
          "expr",
          "apply",
          "colRegex",
          "selectExpr",
          "select",
          "where",
          "filter",
          "groupBy",
          "orderBy",
          "sort",
          "sortWithinPartitions",
          "rollup",
          "cube");

  /**
   * Column names from the job file or the input are never parsed by Spark ({@code plan.tier} would
   * be a struct field): every reference to a column by name goes through {@link ColumnNames}.
   */
  @Test
  void columnsAreReferencedByNameOnlyThroughColumnNames() {
    DescribedPredicate<JavaMethodCall> parsesAName =
        DescribedPredicate.describe(
            "a Spark method that parses a column name given as text",
            call ->
                (call.getTargetOwner().isEquivalentTo(org.apache.spark.sql.functions.class)
                        || call.getTargetOwner().isAssignableTo(org.apache.spark.sql.Dataset.class))
                    && PARSING_NAMES.contains(call.getName())
                    && !call.getTarget().getRawParameterTypes().isEmpty()
                    && (call.getTarget().getRawParameterTypes().get(0).isEquivalentTo(String.class)
                        || call.getTarget()
                            .getRawParameterTypes()
                            .get(0)
                            .isEquivalentTo(String[].class)));
    noClasses()
        .that()
        .doNotBelongToAnyOf(ColumnNames.class)
        .should()
        .callMethodWhere(parsesAName)
        .check(main);
  }
}
