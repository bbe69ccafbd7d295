package io.shardscore.serving;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * serving runs models online for any deployment: it uses no Spark, no Hadoop and nothing of the
 * batch job; the job file is read for it by the command line, which hands it plain values.
 */
@AnalyzeClasses(
    packages = "io.shardscore.serving",
    importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleRulesTest {
  @ArchTest
  static final ArchRule noSparkOrHadoop =
      noClasses()
          .that()
          .resideInAPackage("io.shardscore.serving..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("org.apache.spark..", "org.apache.hadoop..", "scala..")
          .because("an online instance must start without Spark");

  @ArchTest
  static final ArchRule noBatchJob =
      noClasses()
          .that()
          .resideInAPackage("io.shardscore.serving..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.shardscore.job..")
          .because("the batch job's command line starts serving, never the other way");
}
