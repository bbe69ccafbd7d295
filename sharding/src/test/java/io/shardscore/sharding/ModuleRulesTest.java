package io.shardscore.sharding;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** Shard plans are plain Java: no Spark, and nothing of the batch job that uses them. */
@AnalyzeClasses(
    packages = "io.shardscore.sharding",
    importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleRulesTest {
  @ArchTest
  static final ArchRule noSpark =
      noClasses()
          .that()
          .resideInAPackage("io.shardscore.sharding..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("org.apache.spark..")
          .because("shard plans are computed and tested without Spark");

  @ArchTest
  static final ArchRule noBatchJob =
      noClasses()
          .that()
          .resideInAPackage("io.shardscore.sharding..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.shardscore.job..")
          .because("the batch job depends on sharding, never the other way");
}
