package io.shardscore.model;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * model-adapters runs models for any caller (the Spark batch job, a serving module): it uses no
 * Spark and nothing of the batch job, whose settings callers name for it (see {@link
 * ModelEngine#parse(String, String)}).
 */
@AnalyzeClasses(
    packages = "io.shardscore.model",
    importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleRulesTest {
  @ArchTest
  static final ArchRule noSpark =
      noClasses()
          .that()
          .resideInAPackage("io.shardscore.model..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("org.apache.spark..")
          .because("model-adapters is the engine layer of every caller, with or without Spark");

  @ArchTest
  static final ArchRule noBatchJob =
      noClasses()
          .that()
          .resideInAPackage("io.shardscore.model..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.shardscore.job..")
          .because("the batch job depends on model-adapters, never the other way");
}
